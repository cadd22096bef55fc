#include "factory/template.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <future>

#include "os/file.h"

namespace vc::factory {
namespace {

using namespace std::chrono_literals;

class TemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-template-test-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    ASSERT_TRUE(os::MakeDirs(TemplateDir(root_), 0700));
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

TEST_F(TemplateTest, DestroyWaitsForARestoreThatHoldsTheTemplate) {
  auto restore = LockTemplate(root_, LockMode::kShared);
  ASSERT_TRUE(restore);
  auto destroy = std::async(std::launch::async, [&] { return Destroy(root_); });
  EXPECT_EQ(destroy.wait_for(300ms), std::future_status::timeout);
  EXPECT_TRUE(os::Exists(TemplateDir(root_)));
  *restore = TemplateLock(os::Fd());  // the restore has loaded the state
  ASSERT_EQ(destroy.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(destroy.get());
  EXPECT_FALSE(os::Exists(root_ + "/factory"));
}

TEST_F(TemplateTest, RestoresDoNotWaitForEachOther) {
  auto first = LockTemplate(root_, LockMode::kShared);
  ASSERT_TRUE(first);
  auto second = std::async(std::launch::async, [&] { return LockTemplate(root_, LockMode::kShared).has_value(); });
  ASSERT_EQ(second.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(second.get());
}

TEST_F(TemplateTest, ALockOnAMissingStateRootFails) {
  auto lock = LockTemplate(root_ + "/absent", LockMode::kShared);
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().message.find(root_ + "/absent"), std::string::npos);
}

TEST_F(TemplateTest, NoTemplateIsNotFoundAndADamagedOneIsRefused) {
  HypervisorConfig config;
  config.kernel_path = "/nonexistent/vmlinux";
  auto none = Find(root_, config);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(os::WriteFileAtomic(TemplateDir(root_) + "/template.json", "[1, 2]\n", 0600));
  auto damaged = Find(root_, config);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vc::factory

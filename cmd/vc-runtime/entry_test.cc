// vc-runtime's container records (entry.h): what `create` reserves, `state`
// and `list` read and `delete` removes, and the pid check that keeps a
// reused pid from being taken for a container's monitor.
#include "entry.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace vc::vcrt {
namespace {

class EntryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-entry-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

TEST_F(EntryTest, ReservedOnceReadBackReplacedRemoved) {
  Entry e{"c1", "pod", "/b/c1", Now3339(), 123, 456, {{"k", "v"}}, "/run/netns/c1"};
  ASSERT_TRUE(Reserve(root_, e));
  auto again = Reserve(root_, e);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message, "container with id c1 already exists") << "runc's words";
  auto loaded = Load(root_, "c1");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->sandbox_id, "pod");
  EXPECT_EQ(loaded->bundle, "/b/c1");
  EXPECT_EQ(loaded->created, e.created);
  EXPECT_EQ(loaded->pid, 123);
  EXPECT_EQ(loaded->pid_start, 456u);
  EXPECT_EQ(loaded->annotations.at("k"), "v");
  EXPECT_EQ(loaded->netns, "/run/netns/c1");
  EXPECT_FALSE(loaded->OwnsVm()) << "it runs in its pod's VM";
  e.pid = 789;
  ASSERT_TRUE(Save(root_, e));
  EXPECT_EQ(Load(root_, "c1")->pid, 789);
  ASSERT_TRUE(Reserve(root_, Entry{"a0", "a0", "/b/a0", Now3339()}));
  EXPECT_EQ(ListIds(root_), (std::vector<std::string>{"a0", "c1"}));
  EXPECT_TRUE(Load(root_, "a0")->OwnsVm());
  ASSERT_TRUE(Remove(root_, "c1"));
  auto gone = Load(root_, "c1");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().message, "container c1 does not exist");
  EXPECT_TRUE(Remove(root_, "c1")) << "removing twice is no error";
  EXPECT_EQ(ListIds(root_), std::vector<std::string>{"a0"});
}

TEST_F(EntryTest, AnUnreadableRecordIsAnErrorNotAContainer) {
  ASSERT_TRUE(Reserve(root_, Entry{"ok", "ok", "/b", Now3339()}));
  const std::string dir = std::filesystem::path(root_) / "ctrs";
  std::ofstream(dir + "/bad.json") << "{not json";
  auto bad = Load(root_, "bad");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("is not a container record"), std::string::npos);
}

TEST_F(EntryTest, AReusedPidIsNotTheMonitor) {
  Entry self{"m", "m", "/b", Now3339(), ::getpid(), StartTimeOf(::getpid())};
  ASSERT_GT(self.pid_start, 0u);
  EXPECT_TRUE(self.MonitorAlive());
  Entry reused = self;
  reused.pid_start += 1;  // another process that got the same pid later
  EXPECT_FALSE(reused.MonitorAlive());
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(StartTimeOf(child), 0u) << "a process that is gone";
}

TEST_F(EntryTest, CreatedIsRfc3339InUtc) {
  EXPECT_TRUE(std::regex_match(Now3339(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)"))) << Now3339();
}

}  // namespace
}  // namespace vc::vcrt

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "os/file.h"
#include "persist/store.h"

namespace vc::persist {
namespace {

using namespace std::chrono_literals;

class FsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-store-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    store_ = NewFsStore(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
  std::unique_ptr<Store> store_;
};

TEST_F(FsStoreTest, CreateLoadSaveRemove) {
  ASSERT_TRUE(store_->Create("s1", {{"state", "ready"}}));
  auto doc = store_->Load("s1");
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["state"], "ready");
  ASSERT_TRUE(store_->Save("s1", {{"state", "running"}}));
  EXPECT_EQ((*store_->Load("s1"))["state"], "running");
  ASSERT_TRUE(store_->Remove("s1"));
  EXPECT_EQ(store_->Load("s1").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(os::Exists(store_->SandboxDir("s1")));
}

TEST_F(FsStoreTest, PermissionsAreOwnerOnly) {
  ASSERT_TRUE(store_->Create("s1", nlohmann::json::object()));
  struct stat st {};
  ASSERT_EQ(::stat(store_->SandboxDir("s1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((store_->SandboxDir("s1") + "/state.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FsStoreTest, DuplicateIdIsRefused) {
  ASSERT_TRUE(store_->Create("s1", nlohmann::json::object()));
  auto again = store_->Create("s1", nlohmann::json::object());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(FsStoreTest, ListsOnlyCompleteSandboxes) {
  ASSERT_TRUE(store_->Create("b", nlohmann::json::object()));
  ASSERT_TRUE(store_->Create("a", nlohmann::json::object()));
  ASSERT_TRUE(os::MakeDirs(root_ + "/sbs/half-made", 0700));
  auto ids = store_->List();
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "b"}));
}

TEST_F(FsStoreTest, CorruptStateIsReportedNotParsed) {
  ASSERT_TRUE(store_->Create("s1", nlohmann::json::object()));
  ASSERT_TRUE(os::WriteFileAtomic(store_->SandboxDir("s1") + "/state.json", "{half", 0600));
  auto doc = store_->Load("s1");
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("corrupt"), std::string::npos);
}

TEST_F(FsStoreTest, SaveLeavesNoTempFiles) {
  ASSERT_TRUE(store_->Create("s1", nlohmann::json::object()));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->Save("s1", {{"i", i}}));
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(store_->SandboxDir("s1"))) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

// The lock excludes another process, and is free again once released.
TEST_F(FsStoreTest, LockExcludesOtherProcesses) {
  ASSERT_TRUE(store_->Create("s1", nlohmann::json::object()));
  auto held = store_->Lock("s1", 1s);
  ASSERT_TRUE(held);
  pid_t child = ::fork();
  if (child == 0) {
    auto other = NewFsStore(root_)->Lock("s1", 200ms);
    ::_exit(!other && other.error().code == ErrorCode::kDeadlineExceeded ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  held = SandboxLock();  // release
  child = ::fork();
  if (child == 0) ::_exit(NewFsStore(root_)->Lock("s1", 1s) ? 0 : 1);
  ::waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(FsStoreTest, LockOfUnknownSandboxIsNotFound) {
  auto lock = store_->Lock("nope", 100ms);
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().code, ErrorCode::kNotFound);
}

TEST_F(FsStoreTest, ALockTakenDuringARemovalCreatesNothing) {
  // A second process (containerd's `shim delete`) locks while the first
  // removes: once the state file is gone it finds no sandbox and writes no
  // lock file into the directory being removed.
  ASSERT_TRUE(store_->Create("s1", {{"state", "stopped"}}));
  ASSERT_TRUE(store_->Lock("s1", 100ms));
  ASSERT_TRUE(::unlink((store_->SandboxDir("s1") + "/lock").c_str()) == 0);
  ASSERT_TRUE(::unlink((store_->SandboxDir("s1") + "/state.json").c_str()) == 0);
  auto lock = store_->Lock("s1", 100ms);
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(os::Exists(store_->SandboxDir("s1") + "/lock"));
  ASSERT_TRUE(store_->Remove("s1"));
  EXPECT_FALSE(os::Exists(store_->SandboxDir("s1")));
}

}  // namespace
}  // namespace vc::persist

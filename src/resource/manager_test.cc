// The resource layer's bookkeeping, unprivileged: kinds by name, state saved
// and restored through the store, bad input refused before anything is made.
// The real share (mounts, virtiofsd) runs in the end-to-end tests.
#include "resource/manager.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "resource/share_fs/virtio_fs.h"

namespace vc::resource {
namespace {

class ResourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-resource-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    store_ = persist::NewFsStore(root_);
    ASSERT_TRUE(store_->Create("s1", {{"state", "ready"}}));
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
  std::unique_ptr<persist::Store> store_;
};

TEST_F(ResourceTest, UnknownShareFsKindIsRefused) {
  auto m = Manager::New(*store_, "s1", Config{"nfs", "/x"});
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.error().message.find("known: virtio-fs, virtio-9p"), std::string::npos);
}

TEST_F(ResourceTest, MissingDaemonIsAClearErrorAndLeavesNothing) {
  auto m = Manager::New(*store_, "s1", Config{"virtio-fs", "/nonexistent/virtiofsd"});
  ASSERT_TRUE(m);
  auto devices = (*m)->BeforeBoot();
  ASSERT_FALSE(devices);
  EXPECT_EQ(devices.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(devices.error().message.find("virtiofsd not found at /nonexistent/virtiofsd"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(store_->SandboxDir("s1") + "/shared"));
  EXPECT_TRUE((*m)->Daemons().empty());
}

TEST_F(ResourceTest, StateSurvivesForAnotherProcess) {
  SandboxLayout layout{store_->SandboxDir("s1")};
  ASSERT_TRUE(store_->SaveItem("s1", SandboxLayout::kResourcesItem,
                               {{"share_fs", {{"kind", "virtio-fs"}, {"daemon_path", "/d"},
                                              {"mounted", false}, {"pid", 0}}}}));
  auto restored = Manager::Restore(*store_, "s1");
  ASSERT_TRUE(restored) << restored.error().message;
  auto mounts = (*restored)->GuestMounts();
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].tag, agent::kShareTag);
  EXPECT_EQ(mounts[0].guest_path, agent::kGuestShareDir);
  // Nothing is mounted: unsharing a root that is not there succeeds.
  EXPECT_TRUE((*restored)->UnshareContainer("c1"));
  (*restored)->Cleanup();
  auto after = store_->LoadItem("s1", SandboxLayout::kResourcesItem);
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)["share_fs"]["mounted"], false);

  ASSERT_TRUE(store_->SaveItem("s1", SandboxLayout::kResourcesItem, {{"share_fs", {{"kind", "nfs"}}}}));
  EXPECT_EQ(Manager::Restore(*store_, "s1").error().code, ErrorCode::kInternal);
}

TEST_F(ResourceTest, NothingSavedMeansNothingToUndo) {
  auto restored = Manager::Restore(*store_, "s1");
  ASSERT_TRUE(restored);
  EXPECT_TRUE((*restored)->GuestMounts().empty());
  EXPECT_TRUE((*restored)->UnshareContainer("c1"));
  EXPECT_EQ((*restored)->ShareRootfs("c1", "/tmp").error().code, ErrorCode::kFailedPrecondition);
  (*restored)->Cleanup();
  EXPECT_FALSE(store_->LoadItem("s1", SandboxLayout::kResourcesItem));
}

TEST(VirtioFs, ShareNamesStayInsideTheShare) {
  VirtioFs fs(SandboxLayout{"/nonexistent/sbs/s1"}, "/d");
  for (const char* bad : {"", "/etc", "../x", "c1/../../x", "c1/./rootfs", "c1//rootfs", "c1/"}) {
    auto r = fs.Share(bad, "/tmp", {});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_FALSE(fs.Unshare(bad)) << bad;
  }
}

TEST(VirtioFs, SaveAndRestoreAgree) {
  SandboxLayout layout{"/run/vc/sbs/s1"};
  auto fs = RestoreShareFs(layout, {{"kind", "virtio-fs"}, {"daemon_path", "/usr/lib/qemu/virtiofsd"},
                                    {"mounted", true}, {"pid", 4242}});
  ASSERT_TRUE(fs);
  EXPECT_STREQ((*fs)->Kind(), "virtio-fs");
  EXPECT_EQ((*fs)->Save()["pid"], 4242);
  EXPECT_EQ((*fs)->Save()["mounted"], true);
  EXPECT_EQ((*fs)->Daemons(), std::vector<pid_t>{4242});
}

}  // namespace
}  // namespace vc::resource

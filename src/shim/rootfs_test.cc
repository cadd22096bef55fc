#include "shim/rootfs.h"

#include <gtest/gtest.h>

namespace vc::shim {
namespace {

bool OnlyDm(const std::string& path) { return path.starts_with("/dev/mapper/") || path.starts_with("/dev/dm-"); }

TEST(ShimRootfs, ADevmapperSnapshotIsADiskForTheVm) {
  auto rw = BlockRootOf({{"ext4", "/dev/mapper/containerd-pool-snap-7", {}}}, OnlyDm);
  ASSERT_TRUE(rw);
  EXPECT_EQ(rw->device, "/dev/mapper/containerd-pool-snap-7");
  EXPECT_FALSE(rw->read_only);
  auto view = BlockRootOf({{"xfs", "/dev/dm-3", {"ro", "nouuid"}}}, OnlyDm);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->read_only) << "a view snapshot";
}

TEST(ShimRootfs, OtherRootsAreMountedByTheShim) {
  EXPECT_FALSE(BlockRootOf({{"overlay", "overlay", {"lowerdir=/a:/b"}}}, OnlyDm)) << "overlayfs";
  EXPECT_FALSE(BlockRootOf({{"bind", "/var/lib/x", {"rbind"}}}, OnlyDm));
  EXPECT_FALSE(BlockRootOf({{"ext4", "/images/a.img", {"loop"}}}, OnlyDm)) << "not a block device";
  EXPECT_FALSE(BlockRootOf({{"ext4", "/dev/dm-1", {}}, {"bind", "/x", {"bind"}}}, OnlyDm)) << "more than one mount";
  EXPECT_FALSE(BlockRootOf({{"btrfs", "/dev/dm-1", {}}}, OnlyDm)) << "a file system the guest lacks";
  EXPECT_FALSE(BlockRootOf({}, OnlyDm));
  EXPECT_FALSE(IsBlockDevice("/dev/null"));
  EXPECT_FALSE(IsBlockDevice("/nonexistent"));
}

}  // namespace
}  // namespace vc::shim

#include "shim/rootfs.h"

#include <sys/mount.h>

#include <gtest/gtest.h>

namespace vc::shim {
namespace {

TEST(ShimRootfs, OverlayOptionsBecomeData) {
  auto a = ParseMountOptions({"index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2"});
  EXPECT_EQ(a.flags, 0u);
  EXPECT_EQ(a.data, "index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2");
}

TEST(ShimRootfs, FlagsAreFlags) {
  auto a = ParseMountOptions({"rbind", "ro", "nosuid", "mode=755"});
  EXPECT_EQ(a.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID));
  EXPECT_EQ(a.data, "mode=755");
  EXPECT_EQ(ParseMountOptions({"ro", "rw"}).flags, 0u);  // the later option wins
}

}  // namespace
}  // namespace vc::shim

#include "os/mount.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace vc::os {
namespace {

namespace fs = std::filesystem;

TEST(MountOptions, OverlayOptionsBecomeData) {
  auto a = ParseMountOptions({"index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2"});
  EXPECT_EQ(a.flags, 0u);
  EXPECT_EQ(a.data, "index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2");
}

TEST(MountOptions, FlagsPropagationAndData) {
  auto a = ParseMountOptions({"rbind", "ro", "nosuid", "mode=755", "rprivate"});
  EXPECT_EQ(a.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID));
  EXPECT_EQ(a.propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
  EXPECT_EQ(a.data, "mode=755");
  EXPECT_EQ(ParseMountOptions({"ro", "rw"}).flags, 0u);  // the later option wins
  auto known = KnownMountOptions();
  EXPECT_TRUE(std::is_sorted(known.begin(), known.end()));
  for (const char* name : {"ro", "rbind", "rprivate", "strictatime"})
    EXPECT_NE(std::find(known.begin(), known.end(), name), known.end()) << name;
  EXPECT_EQ(ParseMountOptions({"shared", "slave"}).propagation, static_cast<unsigned long>(MS_SLAVE));
  EXPECT_EQ(ParseMountOptions({"ro"}).propagation, 0u);
}

class InRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-inroot-XXXXXX";
    top_ = ::mkdtemp(tmpl);
    root_ = top_ + "/root";
    fs::create_directories(root_ + "/etc");
    fs::create_directories(top_ + "/outside");
    std::ofstream(root_ + "/etc/hosts") << "inside";
    // An image can hold links meant to lead out of it.
    fs::create_directory_symlink("/", root_ + "/up");
    fs::create_directory_symlink("../../outside", root_ + "/etc/away");
  }
  void TearDown() override { fs::remove_all(top_); }

  // Where an fd opened by OpenInRoot really is.
  static std::string Where(const Fd& fd) { return fs::read_symlink(FdPath(fd)).string(); }

  std::string top_, root_;
};

TEST_F(InRoot, SymlinksAndDotDotStayInside) {
  auto hosts = OpenInRoot(root_, "/up/etc/hosts", false);
  ASSERT_TRUE(hosts) << hosts.error().message;
  EXPECT_EQ(Where(*hosts), root_ + "/etc/hosts");
  auto dotdot = OpenInRoot(root_, "../../../etc/hosts", false);
  ASSERT_TRUE(dotdot);
  EXPECT_EQ(Where(*dotdot), root_ + "/etc/hosts");
  EXPECT_EQ(OpenInRoot(root_, "/etc/away/x", false).error().code, ErrorCode::kNotFound);
}

TEST_F(InRoot, MissingDirectoriesAreMadeInside) {
  // A link whose target is missing inside the root is not followed out of it.
  EXPECT_EQ(OpenInRoot(root_, "/etc/away/new/dir", true).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(top_ + "/outside/new"));
  fs::create_directory(root_ + "/outside");
  auto made = OpenInRoot(root_, "/etc/away/new/dir", true);
  ASSERT_TRUE(made) << made.error().message;
  // "away" points at <root>/outside once resolved inside the root.
  EXPECT_EQ(Where(*made), root_ + "/outside/new/dir");
  EXPECT_TRUE(fs::is_directory(root_ + "/outside/new/dir"));
  EXPECT_FALSE(fs::exists(top_ + "/outside/new"));
  auto via_root_link = OpenInRoot(root_, "/up/proc", true);
  ASSERT_TRUE(via_root_link);
  EXPECT_EQ(Where(*via_root_link), root_ + "/proc");
}

}  // namespace
}  // namespace vc::os

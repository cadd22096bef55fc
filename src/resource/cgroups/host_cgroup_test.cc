#include "resource/cgroups/host_cgroup.h"

#include <gtest/gtest.h>

namespace vc::resource {
namespace {

// This host's layout: v1 hierarchies, and a cgroup2 mount beside them.
constexpr const char* kHybrid =
    "25 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
    "28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 - cgroup cgroup rw,cpu,cpuacct\n"
    "29 25 0:26 / /sys/fs/cgroup/memory rw,nosuid shared:13 - cgroup cgroup rw,memory\n"
    "30 25 0:27 / /sys/fs/cgroup/cpuset rw,nosuid shared:14 - cgroup cgroup rw,cpuset,clone_children\n"
    "31 25 0:28 / /sys/fs/cgroup/pids rw,nosuid shared:15 - cgroup cgroup rw,pids\n"
    "32 25 0:29 / /sys/fs/cgroup/blkio rw,nosuid shared:16 - cgroup cgroup rw,blkio\n"
    "33 25 0:30 / /sys/fs/cgroup/devices rw,nosuid shared:17 - cgroup cgroup rw,devices\n"
    "34 25 0:31 / /sys/fs/cgroup/systemd rw,nosuid shared:18 - cgroup cgroup rw,xattr,name=systemd\n";

constexpr const char* kUnified =
    "25 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";

std::string NoControllers(const std::string&) { return ""; }
std::string AllControllers(const std::string&) { return "cpuset cpu io memory pids\n"; }

TEST(HostCgroup, TheHybridLayoutUsesTheV1Hierarchies) {
  // This host's v2 mount offers hugetlb only: the v1 hierarchies are used.
  CgroupMounts m = ParseCgroupMounts(kHybrid, [](const std::string&) { return std::string("hugetlb\n"); });
  EXPECT_EQ(m.unified, "");
  EXPECT_EQ(m.v1.at("cpu,cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(m.v1.at("memory"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(m.v1.at("cpuset"), "/sys/fs/cgroup/cpuset");
  EXPECT_FALSE(m.v1.contains("name=systemd"));
  EXPECT_EQ(m.v1.size(), 6u);
}

TEST(HostCgroup, ParsesTheUnifiedHierarchy) {
  CgroupMounts m = ParseCgroupMounts(kUnified, AllControllers);
  EXPECT_EQ(m.unified, "/sys/fs/cgroup");
  EXPECT_TRUE(m.v1.empty());
  EXPECT_EQ(ParseCgroupMounts(kUnified, NoControllers).unified, "") << "no controllers: not usable";
}

TEST(HostCgroup, ParsesProcCgroup) {
  auto self = ParseProcCgroup("12:pids:/user.slice\n4:cpu,cpuacct:/a\n0::/init.scope\n");
  EXPECT_EQ(self.at("pids"), "/user.slice");
  EXPECT_EQ(self.at("cpu,cpuacct"), "/a");
  EXPECT_EQ(self.at(""), "/init.scope");
}

TEST(HostCgroup, AnAbsolutePathIsUnderEachV1HierarchyOnce) {
  auto dirs = CgroupDirs(ParseCgroupMounts(kHybrid, NoControllers), "/kubepods/pod1/sb", {});
  ASSERT_TRUE(dirs);
  EXPECT_EQ(*dirs, (std::vector<std::string>{"/sys/fs/cgroup/cpu,cpuacct/kubepods/pod1/sb",
                                             "/sys/fs/cgroup/cpuset/kubepods/pod1/sb",
                                             "/sys/fs/cgroup/memory/kubepods/pod1/sb",
                                             "/sys/fs/cgroup/pids/kubepods/pod1/sb",
                                             "/sys/fs/cgroup/blkio/kubepods/pod1/sb"}));
}

TEST(HostCgroup, ARelativePathIsUnderTheCallersCgroup) {
  auto v2 = CgroupDirs(ParseCgroupMounts(kUnified, AllControllers), "vc/sb", {{"", "/system.slice/x.service"}});
  ASSERT_TRUE(v2);
  EXPECT_EQ(*v2, std::vector<std::string>{"/sys/fs/cgroup/system.slice/x.service/vc/sb"});
  auto v1 = CgroupDirs(ParseCgroupMounts(kHybrid, NoControllers), "sb", {{"memory", "/m"}});
  ASSERT_TRUE(v1);
  EXPECT_EQ((*v1)[2], "/sys/fs/cgroup/memory/m/sb");
  EXPECT_EQ((*v1)[0], "/sys/fs/cgroup/cpu,cpuacct/sb") << "not in /proc/self/cgroup: from the root";
}

TEST(HostCgroup, DotIsTheProcessesOwnCgroup) {
  // What CgroupDirsOfProcess asks: where another process is, to join it.
  auto v1 = CgroupDirs(ParseCgroupMounts(kHybrid, NoControllers), ".",
                       ParseProcCgroup("4:memory:/pod/sb\n3:cpuset:/pod/sb\n2:cpu,cpuacct:/pod/sb\n"));
  ASSERT_TRUE(v1);
  EXPECT_EQ((*v1)[0], "/sys/fs/cgroup/cpu,cpuacct/pod/sb");
  EXPECT_EQ((*v1)[2], "/sys/fs/cgroup/memory/pod/sb");
  auto v2 = CgroupDirs(ParseCgroupMounts(kUnified, AllControllers), ".", ParseProcCgroup("0::/\n"));
  ASSERT_TRUE(v2);
  EXPECT_EQ(*v2, std::vector<std::string>{"/sys/fs/cgroup"});
}

TEST(HostCgroup, APathStaysInsideTheHierarchy) {
  auto dirs = CgroupDirs(ParseCgroupMounts(kUnified, AllControllers), "/../../etc/", {});
  ASSERT_TRUE(dirs);
  EXPECT_EQ(*dirs, std::vector<std::string>{"/sys/fs/cgroup/etc"});
  auto relative = CgroupDirs(ParseCgroupMounts(kUnified, AllControllers), "../../../x", {{"", "/a"}});
  ASSERT_TRUE(relative);
  EXPECT_EQ(*relative, std::vector<std::string>{"/sys/fs/cgroup/x"});
  EXPECT_FALSE(CgroupDirs(ParseCgroupMounts(kUnified, AllControllers), "", {}));
  EXPECT_FALSE(CgroupDirs(CgroupMounts{}, "/x", {})) << "no hierarchy";
}

TEST(HostCgroup, SystemdPathsAreRecognised) {
  EXPECT_TRUE(HostCgroup::IsSystemdPath("kubepods-burstable-pod1.slice:cri-containerd:abc"));
  EXPECT_FALSE(HostCgroup::IsSystemdPath("/kubepods/burstable/pod1/abc"));
  auto made = HostCgroup::Create("system.slice:docker:abc");
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message.find("systemd"), std::string::npos);
}

TEST(HostCgroup, StateRoundTrips) {
  nlohmann::json state = {{"dirs", {"/sys/fs/cgroup/memory/a"}},
                          {"made", {{{"mount", "/sys/fs/cgroup/memory"}, {"dir", "/sys/fs/cgroup/memory/a"}}}},
                          {"unified", false}};
  EXPECT_EQ(HostCgroup::Restore(state).Save(), state);
  EXPECT_TRUE(HostCgroup::Restore(state).HoldsThreads()) << "v1: single threads can join";
  state["unified"] = true;
  EXPECT_FALSE(HostCgroup::Restore(state).HoldsThreads());
}

}  // namespace
}  // namespace vc::resource

// The setup steps of a container process that run on any Linux host: name
// resolution and the seccomp filter before the fork (Prepare), and the
// process-security steps in a forked child (ApplyProcess), checked as the
// process sees itself afterwards.
#include "setup/setup.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <string>

namespace vc::agent::setup {
namespace {

oci::Seccomp DenyGetppid() {
  oci::Seccomp profile;
  profile.default_action = "SCMP_ACT_ALLOW";
  profile.architectures = {"SCMP_ARCH_X86_64"};
  profile.syscalls.push_back({{"getppid"}, "SCMP_ACT_ERRNO", 1, {}});  // EPERM
  return profile;
}

TEST(Setup, PrepareResolvesNamesAndBuildsTheFilter) {
  oci::Process process;
  process.args = {"true"};
  process.capabilities = oci::Capabilities{{"CAP_CHOWN", "CAP_NET_ADMIN"}, {"CAP_CHOWN"}, {}, {"CAP_CHOWN"}, {}};
  process.rlimits = {{"RLIMIT_NOFILE", 200, 100}};
  process.no_new_privileges = true;
  auto prepared = Prepare(process, DenyGetppid());
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_EQ(prepared->capabilities.bounding, (std::vector<int>{CAP_CHOWN, CAP_NET_ADMIN}));
  EXPECT_EQ(prepared->capabilities.effective, std::vector<int>{CAP_CHOWN});
  ASSERT_EQ(prepared->rlimits.size(), 1u);
  EXPECT_EQ(prepared->rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(prepared->rlimits[0].limit.rlim_cur, 100u);
  EXPECT_EQ(prepared->rlimits[0].limit.rlim_max, 200u);
  EXPECT_TRUE(prepared->seccomp);
  EXPECT_TRUE(prepared->no_new_privileges);
}

TEST(Setup, PrepareNamesTheFieldItRefuses) {
  oci::Process process;
  process.args = {"true"};
  process.capabilities = oci::Capabilities{{}, {"CAP_FLY"}, {}, {}, {}};
  auto caps = Prepare(process, std::nullopt);
  ASSERT_FALSE(caps);
  EXPECT_NE(caps.error().message.find("process.capabilities: unknown capability 'CAP_FLY'"), std::string::npos)
      << caps.error().message;
  process.capabilities.reset();
  oci::Seccomp bad_action = DenyGetppid();
  bad_action.default_action = "SCMP_ACT_SHRUG";
  auto action = Prepare(process, bad_action);
  ASSERT_FALSE(action);
  EXPECT_NE(action.error().message.find("unknown action 'SCMP_ACT_SHRUG'"), std::string::npos);
  oci::Seccomp bad_arch = DenyGetppid();
  bad_arch.architectures = {"SCMP_ARCH_PDP11"};
  auto arch = Prepare(process, bad_arch);
  ASSERT_FALSE(arch);
  EXPECT_NE(arch.error().message.find("unknown architecture 'SCMP_ARCH_PDP11'"), std::string::npos);
  process.rlimits = {{"RLIMIT_BOGUS", 1, 1}};
  auto rlimit = Prepare(process, std::nullopt);
  ASSERT_FALSE(rlimit);
  EXPECT_NE(rlimit.error().message.find("RLIMIT_BOGUS"), std::string::npos);
}

// A /proc/self/status field, e.g. "CapEff".
std::string Status(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return line.substr(line.find_first_not_of(" \t", field.size() + 1));
  return "";
}

// In a child: ApplyProcess, then what the process sees of itself; the exit
// code has a bit per check that failed.
TEST(Setup, ApplyProcessInAChild) {
  ASSERT_EQ(::geteuid(), 0u) << "changing users and capabilities needs root: run the unit tests as root";
  oci::Process process;
  process.args = {"true"};
  process.user = {1000, 1001, 027u, {1002}};
  process.capabilities = oci::Capabilities{{"CAP_NET_BIND_SERVICE"}, {"CAP_NET_BIND_SERVICE"}, {},
                                           {"CAP_NET_BIND_SERVICE"}, {}};
  process.rlimits = {{"RLIMIT_NOFILE", 200, 100}};
  process.oom_score_adj = 500;
  process.no_new_privileges = true;
  auto prepared = Prepare(process, DenyGetppid());
  ASSERT_TRUE(prepared) << prepared.error().message;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!ApplyProcess(process, *prepared)) ::_exit(255);
    int failed = 0;
    if (::getuid() != 1000 || ::geteuid() != 1000) failed |= 1;
    gid_t groups[8];
    if (::getgid() != 1001 || ::getgroups(8, groups) != 1 || groups[0] != 1002) failed |= 2;
    // CAP_NET_BIND_SERVICE is bit 10: 0x400.
    if (Status("CapEff") != "0000000000000400" || Status("CapBnd") != "0000000000000400") failed |= 4;
    if (Status("NoNewPrivs") != "1") failed |= 8;
    rlimit nofile{};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) != 0 || nofile.rlim_cur != 100 || nofile.rlim_max != 200) failed |= 16;
    std::ifstream oom("/proc/self/oom_score_adj");
    int adj = 0;
    if (!(oom >> adj) || adj != 500) failed |= 32;
    // syscall(2), not getppid(3): glibc's wrapper takes no error from a call that cannot fail.
    errno = 0;
    if (::syscall(SYS_getppid) != -1 || errno != EPERM) failed |= 64;
    const mode_t mask = ::umask(0);
    if (mask != 027) failed |= 128;
    ::_exit(failed);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "bits: 1 uid, 2 gids, 4 capabilities, 8 no_new_privs, 16 rlimit, "
                                       "32 oom_score_adj, 64 seccomp, 128 umask; 255: ApplyProcess failed";
}

}  // namespace
}  // namespace vc::agent::setup

#include "os/process.h"

#include <fcntl.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "os/fd.h"

namespace vc::os {
namespace {

int ExitCodeOf(const SpawnOptions& options) {
  auto pid = Spawn(options);
  EXPECT_TRUE(pid) << pid.error().message;
  if (!pid) return -1;
  int status = 0;
  ::waitpid(*pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A descriptor the caller forgot to mark close-on-exec must not reach the
// child, unless it asks for it.
TEST(Spawn, OnlyKeptDescriptorsReachTheChild) {
  Fd leaky(::open("/dev/null", O_RDONLY));  // deliberately without O_CLOEXEC
  ASSERT_TRUE(leaky);
  const std::string probe = "[ -e /proc/self/fd/" + std::to_string(leaky.get()) + " ]";
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", probe};
  EXPECT_EQ(ExitCodeOf(options), 1);
  options.keep_fds = {leaky.get()};
  EXPECT_EQ(ExitCodeOf(options), 0);
}

TEST(Spawn, MissingProgramIsAClearError) {
  SpawnOptions options;
  options.argv = {"/nonexistent/program"};
  auto pid = Spawn(options);
  ASSERT_FALSE(pid);
  EXPECT_NE(pid.error().message.find("/nonexistent/program"), std::string::npos);
}

}  // namespace
}  // namespace vc::os

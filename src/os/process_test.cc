#include "os/process.h"

#include <fcntl.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>

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

TEST(RunToCompletion, PassesInputAndCollectsOutput) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "read line; echo \"got $line\"; echo oops >&2; exit 4"};
  auto run = RunToCompletion(options, "hello\n", std::chrono::seconds(10));
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->status, 4);
  EXPECT_EQ(run->out, "got hello\n");
  EXPECT_EQ(run->err, "oops\n");
}

// A program that exits without reading its input (an OCI hook that fails at
// once) must not take the caller down with SIGPIPE.
TEST(RunToCompletion, AProgramThatIgnoresItsInputIsNoSigpipe) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "exit 3"};
  const std::string big(4 << 20, 'x');  // more than any pipe or socket buffer holds
  for (int i = 0; i < 5; ++i) {
    auto run = RunToCompletion(options, big, std::chrono::seconds(10));
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->status, 3);
  }
}

}  // namespace
}  // namespace vc::os

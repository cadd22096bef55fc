#include "os/proc_stats.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace vc::os {
namespace {

TEST(ProcStats, FieldsStartAfterTheCommandWhateverItHoldsInside) {
  const auto f = StatFields("42 (a) b (c)) S 1 42 42 0 -1 4194560 7 0 0 0 11 13 0 0 20 0 3 0");
  ASSERT_GT(f.size(), 17u);
  EXPECT_EQ(f[0], "S");
  EXPECT_EQ(f[11], "11");  // utime
  EXPECT_EQ(f[12], "13");  // stime
  EXPECT_EQ(f[17], "3");   // threads
}

TEST(ProcStats, ThisProcess) {
  auto s = SampleProcess(::getpid());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_GE(s->threads, 1u);
  EXPECT_GT(s->rss_bytes, 0u);
  EXPECT_GT(s->pss_bytes, 0u);
  EXPECT_GE(s->fds, 3u);
  EXPECT_FALSE(s->comm.empty());
}

TEST(ProcStats, ChildrenAndAGoneProcess) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  const auto children = ChildrenOf(::getpid());
  EXPECT_NE(std::find(children.begin(), children.end(), child), children.end());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  auto gone = SampleProcess(child);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vc::os

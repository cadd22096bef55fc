#include "os/timeline.h"

#include <gtest/gtest.h>

namespace vc {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(Timeline, PhasesAreMillisecondsSinceTheStart) {
  Timeline t;
  t.Begin(100 * kMs);
  t.Add("config", 103 * kMs);
  t.Add("supervisor", 140 * kMs + kMs / 2);
  ASSERT_EQ(t.phases.size(), 2u);
  EXPECT_EQ(t.phases[0].name, "config");
  EXPECT_DOUBLE_EQ(t.phases[0].at_ms, 3);
  EXPECT_DOUBLE_EQ(t.phases[1].at_ms, 40.5);
}

TEST(Timeline, APhaseNeverEndsBeforeThePreviousOne) {
  Timeline t;
  t.Begin(kMs);
  t.Add("vmm", 51 * kMs);
  t.Add("guest-kernel", 49 * kMs);  // the guest's clock, mapped onto the host's
  ASSERT_EQ(t.phases.size(), 2u);
  EXPECT_DOUBLE_EQ(t.phases[1].at_ms, 50);
}

TEST(Timeline, NothingIsAddedBeforeBegin) {
  Timeline t;
  t.Add("config", 5 * kMs);
  EXPECT_TRUE(t.phases.empty());
}

TEST(Timeline, BeginForgetsTheLastStart) {
  Timeline t;
  t.Begin(1);
  t.AddNow("started:a");
  EXPECT_TRUE(t.Has("started:"));
  t.Begin(MonotonicNs());
  EXPECT_FALSE(t.Has("started:"));
}

TEST(Timeline, GuestMomentsComeFromTheGuestUptime) {
  // Answered at host 10 s; the guest had run 1.5 s, its agent started at 1.2 s.
  auto m = GuestMoments(10'000 * kMs, 1'500'000, 1'200'000);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].phase, "guest-kernel");
  EXPECT_EQ(m[0].mono_ns, 8'500 * kMs);
  EXPECT_EQ(m[1].phase, "agent-start");
  EXPECT_EQ(m[1].mono_ns, 9'700 * kMs);
}

TEST(Timeline, AnAgentThatDoesNotTellGivesNoGuestMoments) {
  EXPECT_TRUE(GuestMoments(10 * kMs, 0, 0).empty());
  EXPECT_TRUE(GuestMoments(10 * kMs, 5, 9).empty());
}

TEST(Timeline, OneLineForLogs) {
  EXPECT_EQ(TimelineLine({{"config", 2.4}, {"vmm", 310.6}}), "config=2 vmm=311");
}

}  // namespace
}  // namespace vc

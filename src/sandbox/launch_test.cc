#include "sandbox/launch.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace vc {
namespace {

// A recorded pid that now belongs to some other program is not our supervisor.
TEST(SupervisorAlive, RejectsOtherProcessesAndDeadPids) {
  EXPECT_FALSE(SupervisorAlive(::getpid(), "/run/vc", "s1"));
  EXPECT_FALSE(SupervisorAlive(0, "/run/vc", "s1"));
  EXPECT_FALSE(SupervisorAlive(-1, "/run/vc", "s1"));
}

TEST(FindSupervisor, ConfiguredPathMustExist) {
  auto r = FindSupervisor("/nonexistent/vc-supervisor");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace vc

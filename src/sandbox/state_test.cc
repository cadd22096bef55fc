#include "sandbox/state.h"

#include <gtest/gtest.h>

namespace vc {
namespace {

TEST(SandboxState, DeleteOfRunningSandboxSaysStopFirst) {
  auto r = CheckSandboxOp("s1", SandboxState::kRunning, SandboxOp::kDelete);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message, "sandbox s1 is running: cannot delete it (stop it before deleting it)");
}

TEST(SandboxState, Transitions) {
  EXPECT_TRUE(CheckSandboxOp("s", SandboxState::kReady, SandboxOp::kStart));
  EXPECT_TRUE(CheckSandboxOp("s", SandboxState::kStopped, SandboxOp::kStart));
  EXPECT_FALSE(CheckSandboxOp("s", SandboxState::kRunning, SandboxOp::kStart));
  EXPECT_TRUE(CheckSandboxOp("s", SandboxState::kRunning, SandboxOp::kPause));
  EXPECT_FALSE(CheckSandboxOp("s", SandboxState::kPaused, SandboxOp::kPause));
  EXPECT_TRUE(CheckSandboxOp("s", SandboxState::kPaused, SandboxOp::kResume));
  EXPECT_FALSE(CheckSandboxOp("s", SandboxState::kRunning, SandboxOp::kResume));
  EXPECT_TRUE(CheckSandboxOp("s", SandboxState::kPaused, SandboxOp::kStop));
  EXPECT_FALSE(CheckSandboxOp("s", SandboxState::kReady, SandboxOp::kStop));
  EXPECT_TRUE(CheckSandboxOp("s", SandboxState::kReady, SandboxOp::kDelete));
  EXPECT_TRUE(CheckSandboxOp("s", SandboxState::kStopped, SandboxOp::kDelete));
  EXPECT_FALSE(CheckSandboxOp("s", SandboxState::kPaused, SandboxOp::kDelete));
  EXPECT_FALSE(CheckSandboxOp("s", SandboxState::kPaused, SandboxOp::kAddContainer));
}

TEST(ContainerState, Transitions) {
  EXPECT_TRUE(CheckContainerOp("c", ContainerState::kReady, ContainerOp::kStart));
  EXPECT_FALSE(CheckContainerOp("c", ContainerState::kStopped, ContainerOp::kStart));
  EXPECT_TRUE(CheckContainerOp("c", ContainerState::kRunning, ContainerOp::kEnter));
  EXPECT_FALSE(CheckContainerOp("c", ContainerState::kReady, ContainerOp::kEnter));
  EXPECT_FALSE(CheckContainerOp("c", ContainerState::kPaused, ContainerOp::kEnter));
  EXPECT_TRUE(CheckContainerOp("c", ContainerState::kRunning, ContainerOp::kKill));
  EXPECT_TRUE(CheckContainerOp("c", ContainerState::kReady, ContainerOp::kKill));  // as runc
  EXPECT_FALSE(CheckContainerOp("c", ContainerState::kStopped, ContainerOp::kKill));
  auto del = CheckContainerOp("c1", ContainerState::kRunning, ContainerOp::kDelete);
  ASSERT_FALSE(del);
  EXPECT_NE(del.error().message.find("stop it before deleting it"), std::string::npos);
  EXPECT_TRUE(CheckContainerOp("c", ContainerState::kStopped, ContainerOp::kDelete));
}

TEST(Ids, RejectsEmptySlashDotsAndLong) {
  EXPECT_TRUE(ValidateId("sandbox", "abc-1.2_3"));
  for (const std::string& bad : std::vector<std::string>{"", "/", "..", ".", "a/b", "-x", "a b", std::string(65, 'a')}) {
    auto r = ValidateId("sandbox", bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(ValidateId("sandbox", std::string(64, 'a')));
  EXPECT_EQ(ValidateId("container", "").error().message, "container id is empty");
}

}  // namespace
}  // namespace vc

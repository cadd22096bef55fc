#include "sandbox/record.h"

#include <gtest/gtest.h>

namespace vc {
namespace {

TEST(Record, RoundTrip) {
  SandboxRecord r;
  r.config.id = "s1";
  r.config.hostname = "h";
  r.config.hypervisor.kernel_path = "/k";
  r.config.hypervisor.memory_mib = 512;
  r.state = SandboxState::kPaused;
  r.supervisor_pid = 42;
  r.hypervisor = {{"pid", 7}};
  ContainerRecord c;
  c.config.id = "c1";
  c.config.rootfs = "/r";
  c.config.cmd.args = {"sh", "-c", "exit 3"};
  c.state = ContainerState::kStopped;
  c.exit_status = 3;
  r.containers["c1"] = c;
  r.timeline.Begin(1000);
  r.timeline.Add("config", 1000 + 2'500'000);

  auto back = SandboxRecordFromJson(ToJson(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->config.id, "s1");
  EXPECT_EQ(back->config.hypervisor.memory_mib, 512u);
  EXPECT_EQ(back->state, SandboxState::kPaused);
  EXPECT_EQ(back->supervisor_pid, 42);
  EXPECT_EQ(back->hypervisor["pid"], 7);
  ASSERT_EQ(back->containers.size(), 1u);
  const auto& bc = back->containers.at("c1");
  EXPECT_EQ(bc.config.cmd.args, c.config.cmd.args);
  EXPECT_EQ(bc.state, ContainerState::kStopped);
  EXPECT_EQ(bc.exit_status, 3);
  EXPECT_EQ(back->timeline.start_ns, 1000);
  ASSERT_EQ(back->timeline.phases.size(), 1u);
  EXPECT_EQ(back->timeline.phases[0].name, "config");
  EXPECT_DOUBLE_EQ(back->timeline.phases[0].at_ms, 2.5);
}

TEST(Record, WithoutTimelineReadsAsNone) {
  SandboxRecord r;
  r.config.id = "s1";
  auto j = ToJson(r);
  j.erase("timeline");
  auto back = SandboxRecordFromJson(j);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->timeline.start_ns, 0);
  EXPECT_TRUE(back->timeline.phases.empty());
}

TEST(Record, MissingFieldsAreAnError) {
  auto r = SandboxRecordFromJson(nlohmann::json{{"state", "ready"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace vc

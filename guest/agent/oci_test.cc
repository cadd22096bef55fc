#include "oci.h"

#include <gtest/gtest.h>

namespace vc::agent {
namespace {

TEST(AgentOci, ParsesWhatTheAgentUses) {
  auto spec = ParseContainerSpec(R"({
    "root": {"path": "/run/vc/shared/c1/rootfs", "readonly": true},
    "hostname": "box",
    "process": {"args": ["sh", "-c", "true"], "env": ["A=1"], "cwd": "/tmp",
                "user": {"uid": 1000, "gid": 100, "additionalGids": [5, 6]}}})");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->root, "/run/vc/shared/c1/rootfs");
  EXPECT_TRUE(spec->readonly);
  EXPECT_EQ(spec->hostname, "box");
  EXPECT_EQ(spec->process.args, (std::vector<std::string>{"sh", "-c", "true"}));
  EXPECT_EQ(spec->process.cwd, "/tmp");
  EXPECT_EQ(spec->process.uid, 1000u);
  EXPECT_EQ(spec->process.gid, 100u);
  EXPECT_EQ(spec->process.additional_gids, (std::vector<uint32_t>{5, 6}));
}

TEST(AgentOci, ParsesTerminalAndResources) {
  auto p = ParseProcess(R"({"args": ["sh"], "terminal": true, "consoleSize": {"height": 40, "width": 120}})");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->terminal);
  EXPECT_EQ(p->console_rows, 40);
  EXPECT_EQ(p->console_columns, 120);
  EXPECT_FALSE(ParseProcess(R"({"args": ["sh"]})")->terminal);

  auto r = ParseResources(R"({"memory": {"limit": 67108864}, "cpu": {"quota": 50000, "period": 100000,
                              "shares": 512}, "pids": {"limit": 20}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->memory_limit, 67108864);
  EXPECT_EQ(r->cpu_quota, 50000);
  EXPECT_EQ(r->cpu_period, 100000u);
  EXPECT_EQ(r->cpu_shares, 512u);
  EXPECT_EQ(r->pids_limit, 20);
  auto none = ParseResources(R"({"memory": {}})");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->memory_limit);
  EXPECT_FALSE(ParseResources("[1]"));
  EXPECT_FALSE(ParseResources(R"({"memory": {"limit": "lots"}})"));
}

TEST(AgentOci, RejectsBadSpecs) {
  EXPECT_FALSE(ParseContainerSpec("not json"));
  EXPECT_FALSE(ParseContainerSpec(R"({"process": {"args": ["x"]}})"));  // no root
  EXPECT_FALSE(ParseContainerSpec(R"({"root": {"path": "/r"}, "process": {"args": []}})"));
  EXPECT_FALSE(ParseContainerSpec(R"({"root": {"path": "/r"}, "process": {"args": "sh"}})"));
  auto rel = ParseProcess(R"({"args": ["x"], "cwd": "tmp"})");
  ASSERT_FALSE(rel);
  EXPECT_NE(rel.error().message.find("absolute"), std::string::npos);
  EXPECT_FALSE(ParseProcess(R"({"args": ["x"], "user": {"uid": "root"}})"));
}

}  // namespace
}  // namespace vc::agent

// The host-side agent client against a fake agent: each library call must
// become the right vc.agent.v1 request, and each answer the right result.
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <mutex>
#include <thread>

#include "agent.pb.h"
#include "agent/agent.h"
#include "oci/convert.h"
#include "ttrpc/server.h"

namespace vc::agent {
namespace {

namespace pb = vc::agent::v1;

class FakeAgent {
 public:
  FakeAgent() : path_("/tmp/vc-fake-agent-" + std::to_string(::getpid()) + ".sock"), acceptor_(io_) {
    ::unlink(path_.c_str());
    acceptor_.open();
    acceptor_.bind(asio::local::stream_protocol::endpoint(path_));
    acceptor_.listen();
    auto record = [this](const char* method, std::string reply) {
      methods_.Add("vc.agent.v1.AgentService", method,
                   [this, method, reply](std::string payload) -> asio::awaitable<Result<std::string>> {
                     std::lock_guard lock(mu_);
                     last_method_ = method;
                     last_payload_ = payload;
                     co_return reply;
                   });
    };
    pb::CheckResponse check;
    check.set_agent_version("9.9");
    check.set_kernel_release("6.1-test");
    check.set_agent_rss_bytes(4096);
    record("Check", check.SerializeAsString());
    for (const char* m : {"CreateSandbox", "CreateContainer", "ExecProcess", "SignalProcess", "CloseStdin"})
      record(m, pb::Empty{}.SerializeAsString());
    pb::WaitProcessResponse wait;
    wait.set_status(137);
    record("WaitProcess", wait.SerializeAsString());
    pb::ReadStreamResponse out;
    out.set_data("hello");
    out.set_eof(true);
    record("ReadStderr", out.SerializeAsString());
    methods_.Add("vc.agent.v1.AgentService", "StartContainer",
                 [](std::string) -> asio::awaitable<Result<std::string>> {
                   co_return Fail(ErrorCode::kFailedPrecondition, "container c1 was already started");
                 });
    asio::co_spawn(io_, ttrpc::ServeAcceptor(acceptor_, methods_), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeAgent() {
    io_.stop();
    thread_.join();
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  template <typename T>
  T Last(const std::string& method) {
    std::lock_guard lock(mu_);
    EXPECT_EQ(last_method_, method);
    T message;
    EXPECT_TRUE(message.ParseFromString(last_payload_));
    return message;
  }

 private:
  std::string path_;
  asio::io_context io_;
  asio::local::stream_protocol::acceptor acceptor_;
  ttrpc::MethodTable methods_;
  std::mutex mu_;
  std::string last_method_;   // guarded by mu_
  std::string last_payload_;  // guarded by mu_
  std::thread thread_;
};

TEST(TtrpcAgent, TranslatesRequestsAndResponses) {
  FakeAgent fake;
  auto agent = ConnectAgent(fake.path());
  ASSERT_TRUE(agent) << agent.error().message;

  auto info = (*agent)->Check(std::chrono::seconds(2));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->agent_version, "9.9");
  EXPECT_EQ(info->kernel_release, "6.1-test");
  EXPECT_EQ(info->agent_rss_bytes, 4096u);

  ASSERT_TRUE((*agent)->CreateSandbox("sb", "host1", {{"vcshared", "/run/vc/shared", "9p", {"trans=virtio", "cache=mmap"}}}));
  auto sandbox = fake.Last<pb::CreateSandboxRequest>("CreateSandbox");
  EXPECT_EQ(sandbox.hostname(), "host1");
  ASSERT_EQ(sandbox.storages_size(), 1);
  EXPECT_EQ(sandbox.storages(0).driver(), "9p");
  EXPECT_EQ(sandbox.storages(0).fstype(), "9p");
  EXPECT_EQ(sandbox.storages(0).source(), "vcshared");
  EXPECT_EQ(std::vector<std::string>(sandbox.storages(0).options().begin(), sandbox.storages(0).options().end()),
            (std::vector<std::string>{"trans=virtio", "cache=mmap"}));
  EXPECT_EQ(sandbox.storages(0).mount_point(), "/run/vc/shared");

  Cmd cmd;
  cmd.args = {"sh", "-c", "echo hi"};
  cmd.env = {"A=1"};
  cmd.cwd = "/tmp";
  cmd.uid = 1000;
  cmd.gid = 100;
  ContainerConfig config;
  config.cmd = cmd;
  auto guest = oci::GuestSpec(config, "/run/vc/shared/c1/rootfs", "h");
  ASSERT_TRUE(guest);
  ASSERT_TRUE((*agent)->CreateContainer("c1", oci::ToJson(*guest).dump(), {}, {}));
  auto create = fake.Last<pb::CreateContainerRequest>("CreateContainer");
  EXPECT_EQ(create.container_id(), "c1");
  auto spec = nlohmann::json::parse(create.oci_spec_json());
  EXPECT_EQ(spec["root"]["path"], "/run/vc/shared/c1/rootfs");
  EXPECT_EQ(spec["hostname"], "h");
  EXPECT_EQ(spec["process"]["args"], nlohmann::json({"sh", "-c", "echo hi"}));
  EXPECT_EQ(spec["process"]["env"], nlohmann::json({"A=1"}));
  EXPECT_EQ(spec["process"]["cwd"], "/tmp");
  EXPECT_EQ(spec["process"]["user"]["uid"], 1000);
  EXPECT_EQ(spec["process"]["user"]["gid"], 100);

  ASSERT_TRUE((*agent)->ExecProcess("c1", "e1", cmd));
  auto exec = fake.Last<pb::ExecProcessRequest>("ExecProcess");
  EXPECT_EQ(exec.exec_id(), "e1");
  EXPECT_EQ(nlohmann::json::parse(exec.process_json())["args"][2], "echo hi");

  ASSERT_TRUE((*agent)->SignalProcess("c1", "e1", 15, true));
  auto signal = fake.Last<pb::SignalProcessRequest>("SignalProcess");
  EXPECT_EQ(signal.container_id(), "c1");
  EXPECT_EQ(signal.exec_id(), "e1");
  EXPECT_EQ(signal.signal(), 15u);
  EXPECT_TRUE(signal.all());

  auto status = (*agent)->WaitProcess("c1", "");
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 137);
  EXPECT_EQ(fake.Last<pb::ProcessRequest>("WaitProcess").exec_id(), "");

  auto chunk = (*agent)->ReadOutput("c1", "e1", /*stderr_stream=*/true);
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->data, "hello");
  EXPECT_TRUE(chunk->eof);
  EXPECT_EQ(fake.Last<pb::ReadStreamRequest>("ReadStderr").exec_id(), "e1");

  auto started = (*agent)->StartContainer("c1");
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(started.error().message.find("container c1 was already started"), std::string::npos);
}

TEST(TtrpcAgent, NoAgentIsUnavailable) {
  auto agent = ConnectAgent("/tmp/vc-no-agent-here.sock");
  ASSERT_FALSE(agent);
  EXPECT_EQ(agent.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace vc::agent

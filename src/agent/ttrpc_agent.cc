// The one place that translates between the library's agent types and the
// vc.agent.v1 protobuf messages.
#include <sys/socket.h>
#include <sys/un.h>

#include <nlohmann/json.hpp>

#include "agent.pb.h"
#include "agent/agent.h"
#include "os/error.h"
#include "ttrpc/client.h"

namespace vc::agent {

namespace {

namespace pb = vc::agent::v1;
using namespace std::chrono_literals;

constexpr const char* kService = "vc.agent.v1.AgentService";
// Calls that may block for as long as a workload runs.
constexpr auto kForever = std::chrono::milliseconds(std::chrono::hours(24 * 365));
constexpr auto kDefault = 60s;

class TtrpcAgent : public Agent {
 public:
  explicit TtrpcAgent(os::Fd fd) : client_(std::move(fd)) {}

  Result<GuestInfo> Check(std::chrono::milliseconds timeout) override {
    auto r = Call<pb::CheckResponse>("Check", pb::Empty{}, timeout);
    if (!r) return std::unexpected(r.error());
    return GuestInfo{r->agent_version(), r->kernel_release(), r->agent_rss_bytes()};
  }

  Result<> CreateSandbox(const std::string& sandbox_id, const std::string& hostname,
                         const std::vector<SharedMount>& mounts) override {
    pb::CreateSandboxRequest req;
    req.set_sandbox_id(sandbox_id);
    req.set_hostname(hostname);
    for (const auto& m : mounts) {
      auto* s = req.add_storages();
      s->set_driver("virtiofs");
      s->set_source(m.tag);
      s->set_fstype("virtiofs");
      s->set_mount_point(m.guest_path);
    }
    return Void(Call<pb::Empty>("CreateSandbox", req));
  }

  Result<> DestroySandbox() override { return Void(Call<pb::Empty>("DestroySandbox", pb::Empty{})); }

  Result<> CreateContainer(const std::string& id, const std::string& spec) override {
    pb::CreateContainerRequest req;
    req.set_container_id(id);
    req.set_oci_spec_json(spec);
    return Void(Call<pb::Empty>("CreateContainer", req));
  }
  Result<> StartContainer(const std::string& id) override { return ContainerCall("StartContainer", id); }
  Result<> RemoveContainer(const std::string& id) override { return ContainerCall("RemoveContainer", id); }
  Result<> PauseContainer(const std::string& id) override { return ContainerCall("PauseContainer", id); }
  Result<> ResumeContainer(const std::string& id) override { return ContainerCall("ResumeContainer", id); }

  Result<Stats> StatsContainer(const std::string& id) override {
    pb::ContainerRequest req;
    req.set_container_id(id);
    auto r = Call<pb::StatsContainerResponse>("StatsContainer", req);
    if (!r) return std::unexpected(r.error());
    return Stats{r->cpu_usage_usec(), r->memory_usage_bytes(), r->pids_current()};
  }

  Result<> ExecProcess(const std::string& id, const std::string& exec_id, const Cmd& cmd) override {
    pb::ExecProcessRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_process_json(ProcessJson(cmd));
    return Void(Call<pb::Empty>("ExecProcess", req));
  }

  Result<> SignalProcess(const std::string& id, const std::string& exec_id, int signal,
                         bool all) override {
    pb::SignalProcessRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_signal(static_cast<uint32_t>(signal));
    req.set_all(all);
    return Void(Call<pb::Empty>("SignalProcess", req));
  }

  Result<int32_t> WaitProcess(const std::string& id, const std::string& exec_id) override {
    auto r = Call<pb::WaitProcessResponse>("WaitProcess", ProcessReq(id, exec_id), kForever);
    if (!r) return std::unexpected(r.error());
    return r->status();
  }

  Result<ProcessState> GetProcessState(const std::string& id, const std::string& exec_id) override {
    auto r = Call<pb::ProcessStateResponse>("ProcessState", ProcessReq(id, exec_id));
    if (!r) return std::unexpected(r.error());
    return ProcessState{r->running(), r->pid(), r->exit_status()};
  }

  Result<size_t> WriteStdin(const std::string& id, const std::string& exec_id,
                            const std::string& data) override {
    pb::WriteStreamRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_data(data);
    auto r = Call<pb::WriteStreamResponse>("WriteStdin", req, kForever);
    if (!r) return std::unexpected(r.error());
    return r->len();
  }

  Result<> CloseStdin(const std::string& id, const std::string& exec_id) override {
    return Void(Call<pb::Empty>("CloseStdin", ProcessReq(id, exec_id)));
  }

  Result<OutputChunk> ReadOutput(const std::string& id, const std::string& exec_id,
                                 bool stderr_stream) override {
    pb::ReadStreamRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_len(256 * 1024);
    auto r = Call<pb::ReadStreamResponse>(stderr_stream ? "ReadStderr" : "ReadStdout", req, kForever);
    if (!r) return std::unexpected(r.error());
    return OutputChunk{std::move(*r->mutable_data()), r->eof()};
  }

 private:
  template <typename Resp, typename Req>
  Result<Resp> Call(const std::string& method, const Req& req,
                    std::chrono::milliseconds timeout = kDefault) {
    auto bytes = client_.Call(kService, method, req.SerializeAsString(), timeout);
    if (!bytes) return std::unexpected(bytes.error().Wrap("agent"));
    Resp resp;
    if (!resp.ParseFromString(*bytes))
      return Fail(ErrorCode::kInternal, "agent: malformed " + method + " response");
    return resp;
  }

  template <typename T>
  static Result<> Void(const Result<T>& r) {
    if (!r) return std::unexpected(r.error());
    return {};
  }

  static pb::ProcessRequest ProcessReq(const std::string& id, const std::string& exec_id) {
    pb::ProcessRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    return req;
  }

  Result<> ContainerCall(const std::string& method, const std::string& id) {
    pb::ContainerRequest req;
    req.set_container_id(id);
    return Void(Call<pb::Empty>(method, req));
  }

  ttrpc::Client client_;
};

}  // namespace

std::string ProcessJson(const Cmd& cmd) {
  nlohmann::json p;
  p["args"] = cmd.args;
  p["env"] = cmd.env;
  p["cwd"] = cmd.cwd;
  p["user"] = {{"uid", cmd.uid}, {"gid", cmd.gid}};
  p["terminal"] = false;
  return p.dump();
}

std::string ContainerSpecJson(const Cmd& cmd, const std::string& guest_root,
                              const std::string& hostname) {
  nlohmann::json spec;
  spec["ociVersion"] = "1.0.2";
  spec["process"] = nlohmann::json::parse(ProcessJson(cmd));
  spec["root"] = {{"path", guest_root}, {"readonly", false}};
  spec["hostname"] = hostname;
  return spec.dump();
}

Result<std::unique_ptr<Agent>> ConnectAgent(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path)
    return Fail(ErrorCode::kInvalidArgument, "socket path too long: " + socket_path);
  socket_path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  os::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return os::FailErrno("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    auto err = os::ErrnoError("connect to " + socket_path);
    err.code = ErrorCode::kUnavailable;
    return std::unexpected(err);
  }
  return std::make_unique<TtrpcAgent>(std::move(fd));
}

}  // namespace vc::agent

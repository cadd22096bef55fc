#include "os/process.h"
#include "sandbox/backend.h"
#include "sandbox/host_mounts.h"
#include "supervisor/supervisor.h"

namespace vc {

namespace {

class HostBackend : public SandboxBackend {
 public:
  explicit HostBackend(RuntimeOptions options) : options_(std::move(options)) {}

  Result<LaunchReport> Launch(const std::string& id, std::chrono::milliseconds timeout) override {
    auto binary = FindSupervisor(options_.supervisor_path);
    if (!binary) return std::unexpected(binary.error());
    return LaunchSupervisor(*binary, options_.state_root, id, Dir(id) + "/supervisor.log", timeout);
  }

  bool SupervisorAlive(const std::string& id, int32_t pid) override {
    return vc::SupervisorAlive(pid, options_.state_root, id);
  }

  void StopSupervisor(const std::string& id, int32_t pid, std::chrono::milliseconds grace) override {
    if (!SupervisorAlive(id, pid)) return;
    auto gone = os::WaitGone(pid, grace);
    if (!gone || !*gone) os::Terminate(pid, std::chrono::seconds(10));
  }

  Result<std::unique_ptr<agent::Agent>> Connect(const std::string& id) override {
    auto agent = agent::ConnectAgent(Dir(id) + "/" + supervisor::kClientSocket);
    if (!agent)
      return std::unexpected(agent.error().Wrap("sandbox " + id + ": the VM's supervisor is not reachable"));
    return agent;
  }

  Result<> BindRootfs(const std::string& id, const std::string& cid, const std::string& source) override {
    return vc::BindRootfs(source, Dir(id), cid);
  }
  Result<> UnbindRootfs(const std::string& id, const std::string& cid) override {
    return vc::UnbindRootfs(Dir(id), cid);
  }
  void DetachShare(const std::string& id) override { vc::DetachShare(Dir(id)); }

 private:
  std::string Dir(const std::string& id) const { return options_.state_root + "/sbs/" + id; }

  RuntimeOptions options_;
};

}  // namespace

std::unique_ptr<SandboxBackend> NewHostBackend(const RuntimeOptions& options) {
  return std::make_unique<HostBackend>(options);
}

}  // namespace vc

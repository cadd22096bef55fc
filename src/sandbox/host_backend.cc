#include <fcntl.h>
#include <sys/file.h>

#include "os/error.h"
#include "os/socket.h"
#include "os/process.h"
#include "persist/store.h"
#include "resource/manager.h"
#include "sandbox/backend.h"
#include "resource/network/pod_netns.h"
#include "supervisor/protocol/control_client.h"
#include "persist/layout.h"

namespace vc {

namespace {

class HostBackend : public SandboxBackend {
 public:
  explicit HostBackend(RuntimeOptions options)
      : options_(std::move(options)), store_(persist::NewFsStore(options_.state_root)) {}

  Result<LaunchReport> Launch(const SupervisorSpec& spec, std::chrono::milliseconds timeout) override {
    auto binary = FindSupervisor(options_.supervisor_path);
    if (!binary) return std::unexpected(binary.error());
    if (auto r = store_->SaveItem(spec.sandbox_id, SandboxLayout::kSupervisorItem, spec); !r)
      return std::unexpected(r.error());
    return LaunchSupervisor(*binary, options_.state_root, spec.sandbox_id,
                            Layout(spec.sandbox_id).SupervisorLog(), timeout, options_.guest_log_fd);
  }

  bool SupervisorAlive(const std::string& id, int32_t pid) override {
    return vc::SupervisorAlive(pid, options_.state_root, id);
  }

  int32_t RunningSupervisor(const std::string& id) override {
    return vc::RunningSupervisor(options_.state_root, id);
  }

  void StopSupervisor(const std::string& id, int32_t pid, std::chrono::milliseconds grace) override {
    if (SupervisorAlive(id, pid)) {
      auto gone = os::WaitGone(pid, grace);
      if (!gone || !*gone) os::Terminate(pid, std::chrono::seconds(10));
    }
    // Its exit is not the end of it: a caller that is its subreaper (virtc)
    // reaps it; otherwise init does, after a moment.
    os::WaitReaped(pid, std::chrono::seconds(2));
  }

  Result<std::unique_ptr<agent::Agent>> Connect(const std::string& id) override {
    auto agent = agent::ConnectAgent(Layout(id).ClientSocket());
    if (!agent)
      return std::unexpected(agent.error().Wrap("sandbox " + id + ": the VM's supervisor is not reachable"));
    return agent;
  }

  Result<DebugConsoleEnds> ConnectDebugConsole(const std::string& id) override {
    const SandboxLayout layout = Layout(id);
    os::Fd lock(::open(layout.DebugConsoleLock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock) return os::FailErrno("open " + layout.DebugConsoleLock());
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK)
        return Fail(ErrorCode::kFailedPrecondition, "sandbox " + id + ": its debug console is in use by another session");
      return os::FailErrno("lock " + layout.DebugConsoleLock());
    }
    auto socket = os::ConnectUnix(layout.DebugConsoleSocket());
    if (!socket) return std::unexpected(socket.error().Wrap("sandbox " + id + ": the VM's debug console"));
    return DebugConsoleEnds{std::move(*socket), std::move(lock)};
  }

  Result<std::unique_ptr<hypervisor::Hypervisor>> AttachVm(const std::string& type,
                                                            const nlohmann::json& state) override {
    return hypervisor::Attach(type, state);
  }

  Result<std::string> ShareRootfs(const std::string& id, const std::string& cid,
                                  const std::string& source) override {
    auto resources = resource::Manager::Restore(*store_, id);
    if (!resources) return std::unexpected(resources.error());
    return (*resources)->ShareRootfs(cid, source);
  }

  Result<std::string> ShareMount(const std::string& id, const std::string& cid, size_t index,
                                 const std::string& source, const resource::ShareOptions& options) override {
    auto resources = resource::Manager::Restore(*store_, id);
    if (!resources) return std::unexpected(resources.error());
    return (*resources)->ShareMount(cid, index, source, options);
  }

  Result<> UnshareContainer(const std::string& id, const std::string& cid) override {
    auto resources = resource::Manager::Restore(*store_, id);
    if (!resources) return std::unexpected(resources.error());
    return (*resources)->UnshareContainer(cid);
  }

  Result<agent::GuestNetwork> AddInterface(const std::string& id, const std::string& name) override {
    return SupervisorAddInterface(Layout(id).ControlSocket(), name);
  }
  Result<> RemoveInterface(const std::string& id, const std::string& name) override {
    return SupervisorRemoveInterface(Layout(id).ControlSocket(), name);
  }

  Result<AttachedDisk> AddDisk(const std::string& id, const std::string& path, bool read_only, bool raw) override {
    return SupervisorAddDisk(Layout(id).ControlSocket(), path, read_only, raw);
  }
  Result<> RemoveDisk(const std::string& id, const std::string& disk_id) override {
    return SupervisorRemoveDisk(Layout(id).ControlSocket(), disk_id);
  }
  Result<> ResizeDisk(const std::string& id, const std::string& path, uint64_t bytes) override {
    return SupervisorResizeDisk(Layout(id).ControlSocket(), path, bytes);
  }
  Result<std::vector<std::string>> AddVfioGroup(const std::string& id, const std::string& group) override {
    return SupervisorAddVfioGroup(Layout(id).ControlSocket(), group);
  }
  Result<> RemoveVfioGroup(const std::string& id, const std::string& group) override {
    return SupervisorRemoveVfioGroup(Layout(id).ControlSocket(), group);
  }

  Result<hypervisor::VmSize> GrowVm(const std::string& id, const hypervisor::VmSize& want) override {
    return SupervisorGrowVm(Layout(id).ControlSocket(), want);
  }
  Result<std::string> CreatePodNetwork(const std::string& id, const NetworkConfig& config) override {
    return resource::CreatePodNetns(*store_, id, config);
  }
  Result<> DeletePodNetwork(const std::string& id) override { return resource::DeletePodNetns(*store_, id); }
  void ReleaseResources(const std::string& id) override {
    if (auto resources = resource::Manager::Restore(*store_, id)) (*resources)->Cleanup();
  }

 private:
  SandboxLayout Layout(const std::string& id) const { return SandboxLayout::Of(options_.state_root, id); }

  RuntimeOptions options_;
  std::unique_ptr<persist::Store> store_;
};

}  // namespace

std::unique_ptr<SandboxBackend> NewHostBackend(const RuntimeOptions& options) {
  return std::make_unique<HostBackend>(options);
}

}  // namespace vc

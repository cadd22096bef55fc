// Public entry points: each adds "<what> <which>:" context to errors, counts
// them, and forwards to the manager.
#include "factory/template.h"
#include "os/build_info.h"
#include "persist/counters.h"
#include "resource/cgroups/host_cgroup.h"
#include "sandbox/manager.h"

namespace vc {

struct Runtime::Impl : Manager {
  using Manager::Manager;
};

namespace {
// Adds "<operation> <which>" to an error as context, and counts it under its
// operation and code (persist/counters.h: vc-monitor's vc_operation_errors_total).
template <typename T>
Result<T> With(const Manager& m, const char* operation, Result<T> r, const std::string& which) {
  if (!r) {
    const std::string code = ErrorCodeName(r.error().code);
    persist::AddCount(m.state_root(), persist::kErrorsPrefix + (operation + (":" + code)));
    return std::unexpected(std::move(r.error()).Wrap(which.empty() ? operation : operation + (" " + which)));
  }
  return r;
}
}  // namespace

Runtime::Runtime(RuntimeOptions options) {
  auto backend = NewHostBackend(options);
  impl_ = std::make_unique<Impl>(std::move(options), std::move(backend));
}
Runtime::~Runtime() = default;

Result<SandboxStatus> Runtime::CreateSandbox(const SandboxConfig& config) {
  return With(*impl_, "create sandbox", impl_->CreateSandbox(config), config.id);
}
Result<SandboxStatus> Runtime::StartSandbox(const std::string& id) {
  return With(*impl_, "start sandbox", impl_->StartSandbox(id), id);
}
Result<SandboxStatus> Runtime::RunSandbox(const SandboxConfig& config) {
  auto created = CreateSandbox(config);
  if (!created) return created;
  auto started = StartSandbox(created->id);
  if (!started) (void)impl_->DeleteSandbox(created->id);
  return started;
}
Result<> Runtime::StopSandbox(const std::string& id) {
  return With(*impl_, "stop sandbox", impl_->StopSandbox(id), id);
}
Result<> Runtime::PauseSandbox(const std::string& id) {
  return With(*impl_, "pause sandbox", impl_->PauseSandbox(id, true), id);
}
Result<> Runtime::ResumeSandbox(const std::string& id) {
  return With(*impl_, "resume sandbox", impl_->PauseSandbox(id, false), id);
}
Result<> Runtime::DeleteSandbox(const std::string& id, bool force) {
  return With(*impl_, "delete sandbox", impl_->DeleteSandbox(id, force), id);
}
Result<SandboxStatus> Runtime::StatusSandbox(const std::string& id) {
  return With(*impl_, "status of sandbox", impl_->StatusSandbox(id), id);
}
Result<std::vector<SandboxStatus>> Runtime::ListSandbox() {
  return With(*impl_, "list sandboxes", impl_->ListSandbox(), "");
}

Result<ContainerStatus> Runtime::CreateContainer(const std::string& sid, const ContainerConfig& config) {
  return With(*impl_, "create container", impl_->CreateContainer(sid, config), config.id);
}
Result<ContainerStatus> Runtime::StartContainer(const std::string& sid, const std::string& cid) {
  return With(*impl_, "start container", impl_->StartContainer(sid, cid), cid);
}
Result<ContainerStatus> Runtime::StopContainer(const std::string& sid, const std::string& cid) {
  return With(*impl_, "stop container", impl_->StopContainer(sid, cid), cid);
}
Result<> Runtime::PauseContainer(const std::string& sid, const std::string& cid) {
  return With(*impl_, "pause container", impl_->PauseContainer(sid, cid, true), cid);
}
Result<> Runtime::ResumeContainer(const std::string& sid, const std::string& cid) {
  return With(*impl_, "resume container", impl_->PauseContainer(sid, cid, false), cid);
}
Result<> Runtime::DeleteContainer(const std::string& sid, const std::string& cid) {
  return With(*impl_, "delete container", impl_->DeleteContainer(sid, cid), cid);
}
Result<std::unique_ptr<Process>> Runtime::EnterContainer(const std::string& sid, const std::string& cid,
                                                         const Cmd& cmd, const std::string& exec_id) {
  return With(*impl_, "enter container", impl_->EnterContainer(sid, cid, cmd, exec_id), cid);
}
Result<ContainerStatus> Runtime::StatusContainer(const std::string& sid, const std::string& cid) {
  return With(*impl_, "status of container", impl_->StatusContainer(sid, cid), cid);
}
Result<> Runtime::KillContainer(const std::string& sid, const std::string& cid, int signal, bool all) {
  return With(*impl_, "kill container", impl_->KillContainer(sid, cid, signal, all), cid);
}
Result<ContainerStats> Runtime::StatsContainer(const std::string& sid, const std::string& cid) {
  return With(*impl_, "stats of container", impl_->StatsContainer(sid, cid), cid);
}
Result<> Runtime::UpdateContainer(const std::string& sid, const std::string& cid,
                                  const ContainerResources& resources) {
  return With(*impl_, "update container", impl_->UpdateContainer(sid, cid, resources), cid);
}
Result<std::vector<int32_t>> Runtime::PidsContainer(const std::string& sid, const std::string& cid) {
  return With(*impl_, "pids of container", impl_->PidsContainer(sid, cid), cid);
}
Result<FactoryStatus> Runtime::InitFactory(const HypervisorConfig& config, const AgentConfig& agent) {
  return With(*impl_, "make a VM template",
              factory::Init(impl_->state_root(), config, std::chrono::milliseconds(agent.start_timeout_ms)), "");
}
FactoryStatus Runtime::StatusFactory(const HypervisorConfig& config) {
  return factory::Status(impl_->state_root(), config);
}
Result<std::unique_ptr<DebugConsole>> Runtime::OpenDebugConsole(const std::string& sid, uint16_t rows,
                                                                uint16_t columns) {
  return With(*impl_, "debug console", impl_->OpenDebugConsole(sid, rows, columns), "");
}
std::vector<SandboxSample> Runtime::SampleSandboxes(uint32_t guest_timeout_ms) {
  return impl_->SampleSandboxes(std::chrono::milliseconds(guest_timeout_ms));
}

Result<std::vector<std::string>> Runtime::JoinSandboxCgroup(const std::string& sid, int32_t pid) {
  return With(*impl_, "join the cgroup of sandbox", impl_->JoinSandboxCgroup(sid, pid), sid);
}
Result<> Runtime::LeaveSandboxCgroup(const std::vector<std::string>& cgroups, int32_t pid) {
  return With(*impl_, "leave the cgroup of a sandbox", resource::MoveToCgroups(cgroups, pid), "");
}

RuntimeCounts Runtime::Counts() {
  RuntimeCounts out;
  for (const auto& [key, n] : persist::ReadCounts(impl_->state_root())) {
    const std::string prefix = persist::kErrorsPrefix;
    if (const size_t code = key.rfind(':'); key.starts_with(prefix) && code > prefix.size())
      out.errors[key.substr(prefix.size(), code - prefix.size())][key.substr(code + 1)] = n;
    else if (key == persist::kVmStartsTemplate) out.vm_starts_template = n;
    else if (key == persist::kVmStartsBoot) out.vm_starts_boot = n;
  }
  return out;
}

std::vector<HostCheck> Runtime::CheckHost(const HypervisorConfig& config) { return impl_->CheckHost(config); }

BuildInfo Build() { return {os::kVersion, os::BuildCommit()}; }

Result<> Runtime::DestroyFactory() {
  return With(*impl_, "remove the VM template", factory::Destroy(impl_->state_root()), "");
}
Result<> Runtime::AddDirectVolume(const std::string& path, const DirectVolume& volume) {
  return With(*impl_, "add volume", impl_->AddDirectVolume(path, volume), path);
}
Result<> Runtime::RemoveDirectVolume(const std::string& path) {
  return With(*impl_, "remove volume", impl_->RemoveDirectVolume(path), path);
}
Result<> Runtime::ResizeDirectVolume(const std::string& path, uint64_t bytes) {
  return With(*impl_, "resize volume", impl_->ResizeDirectVolume(path, bytes), path);
}

Result<VolumeStats> Runtime::DirectVolumeStats(const std::string& path) {
  return With(*impl_, "stats of volume", impl_->DirectVolumeStats(path), path);
}
Result<NetInterface> Runtime::AddInterface(const std::string& sid, const std::string& name) {
  return With(*impl_, "add interface", impl_->AddInterface(sid, name), name + " to sandbox " + sid);
}
Result<> Runtime::RemoveInterface(const std::string& sid, const std::string& name) {
  return With(*impl_, "remove interface", impl_->RemoveInterface(sid, name), name + " from sandbox " + sid);
}
Result<std::vector<NetRoute>> Runtime::UpdateRoutes(const std::string& sid, const std::vector<NetRoute>& routes) {
  return With(*impl_, "update routes of sandbox", impl_->UpdateRoutes(sid, routes), sid);
}
Result<std::vector<NetInterface>> Runtime::ListInterfaces(const std::string& sid) {
  return With(*impl_, "interfaces of sandbox", impl_->ListInterfaces(sid), sid);
}
Result<std::vector<NetRoute>> Runtime::ListRoutes(const std::string& sid) {
  return With(*impl_, "routes of sandbox", impl_->ListRoutes(sid), sid);
}
Result<> Runtime::SignalProcess(const std::string& sid, const std::string& cid, const std::string& exec_id,
                                int signal) {
  return With(*impl_, "signal process", impl_->SignalProcess(sid, cid, exec_id, signal),
              (exec_id.empty() ? cid : exec_id) + " of container " + cid);
}
Result<> Runtime::ResizeTerminal(const std::string& sid, const std::string& cid, const std::string& exec_id,
                                 uint32_t rows, uint32_t columns) {
  return With(*impl_, "resize the terminal", impl_->ResizeTerminal(sid, cid, exec_id, rows, columns),
              "of " + (exec_id.empty() ? cid : exec_id));
}
Result<std::unique_ptr<Process>> Runtime::AttachProcess(const std::string& sid,
                                                        const std::string& cid,
                                                        const std::string& exec_id) {
  return With(*impl_, "attach to container", impl_->AttachProcess(sid, cid, exec_id), cid);
}

}  // namespace vc

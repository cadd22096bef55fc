// Public entry points: each adds "<what> <which>:" context to errors and
// forwards to the manager.
#include "factory/template.h"
#include "os/build_info.h"
#include "sandbox/manager.h"

namespace vc {

struct Runtime::Impl : Manager {
  using Manager::Manager;
};

namespace {
template <typename T>
Result<T> With(Result<T> r, const std::string& context) {
  if (!r) return std::unexpected(std::move(r.error()).Wrap(context));
  return r;
}
}  // namespace

Runtime::Runtime(RuntimeOptions options) {
  auto backend = NewHostBackend(options);
  impl_ = std::make_unique<Impl>(std::move(options), std::move(backend));
}
Runtime::~Runtime() = default;

Result<SandboxStatus> Runtime::CreateSandbox(const SandboxConfig& config) {
  return With(impl_->CreateSandbox(config), config.id.empty() ? "create sandbox" : "create sandbox " + config.id);
}
Result<SandboxStatus> Runtime::StartSandbox(const std::string& id) {
  return With(impl_->StartSandbox(id), "start sandbox " + id);
}
Result<SandboxStatus> Runtime::RunSandbox(const SandboxConfig& config) {
  auto created = CreateSandbox(config);
  if (!created) return created;
  auto started = StartSandbox(created->id);
  if (!started) (void)impl_->DeleteSandbox(created->id);
  return started;
}
Result<> Runtime::StopSandbox(const std::string& id) {
  return With(impl_->StopSandbox(id), "stop sandbox " + id);
}
Result<> Runtime::PauseSandbox(const std::string& id) {
  return With(impl_->PauseSandbox(id, true), "pause sandbox " + id);
}
Result<> Runtime::ResumeSandbox(const std::string& id) {
  return With(impl_->PauseSandbox(id, false), "resume sandbox " + id);
}
Result<> Runtime::DeleteSandbox(const std::string& id, bool force) {
  return With(impl_->DeleteSandbox(id, force), "delete sandbox " + id);
}
Result<SandboxStatus> Runtime::StatusSandbox(const std::string& id) {
  return With(impl_->StatusSandbox(id), "status of sandbox " + id);
}
Result<std::vector<SandboxStatus>> Runtime::ListSandbox() {
  return With(impl_->ListSandbox(), "list sandboxes");
}

Result<ContainerStatus> Runtime::CreateContainer(const std::string& sid, const ContainerConfig& config) {
  return With(impl_->CreateContainer(sid, config), "create container " + config.id);
}
Result<ContainerStatus> Runtime::StartContainer(const std::string& sid, const std::string& cid) {
  return With(impl_->StartContainer(sid, cid), "start container " + cid);
}
Result<ContainerStatus> Runtime::StopContainer(const std::string& sid, const std::string& cid) {
  return With(impl_->StopContainer(sid, cid), "stop container " + cid);
}
Result<> Runtime::PauseContainer(const std::string& sid, const std::string& cid) {
  return With(impl_->PauseContainer(sid, cid, true), "pause container " + cid);
}
Result<> Runtime::ResumeContainer(const std::string& sid, const std::string& cid) {
  return With(impl_->PauseContainer(sid, cid, false), "resume container " + cid);
}
Result<> Runtime::DeleteContainer(const std::string& sid, const std::string& cid) {
  return With(impl_->DeleteContainer(sid, cid), "delete container " + cid);
}
Result<std::unique_ptr<Process>> Runtime::EnterContainer(const std::string& sid, const std::string& cid,
                                                         const Cmd& cmd, const std::string& exec_id) {
  return With(impl_->EnterContainer(sid, cid, cmd, exec_id), "enter container " + cid);
}
Result<ContainerStatus> Runtime::StatusContainer(const std::string& sid, const std::string& cid) {
  return With(impl_->StatusContainer(sid, cid), "status of container " + cid);
}
Result<> Runtime::KillContainer(const std::string& sid, const std::string& cid, int signal, bool all) {
  return With(impl_->KillContainer(sid, cid, signal, all), "kill container " + cid);
}
Result<ContainerStats> Runtime::StatsContainer(const std::string& sid, const std::string& cid) {
  return With(impl_->StatsContainer(sid, cid), "stats of container " + cid);
}
Result<> Runtime::UpdateContainer(const std::string& sid, const std::string& cid,
                                  const ContainerResources& resources) {
  return With(impl_->UpdateContainer(sid, cid, resources), "update container " + cid);
}
Result<std::vector<int32_t>> Runtime::PidsContainer(const std::string& sid, const std::string& cid) {
  return With(impl_->PidsContainer(sid, cid), "pids of container " + cid);
}
Result<FactoryStatus> Runtime::InitFactory(const HypervisorConfig& config, const AgentConfig& agent) {
  return With(factory::Init(impl_->state_root(), config, std::chrono::milliseconds(agent.start_timeout_ms)),
              "make a VM template");
}
FactoryStatus Runtime::StatusFactory(const HypervisorConfig& config) {
  return factory::Status(impl_->state_root(), config);
}
std::vector<SandboxSample> Runtime::SampleSandboxes(uint32_t guest_timeout_ms) {
  return impl_->SampleSandboxes(std::chrono::milliseconds(guest_timeout_ms));
}

std::vector<HostCheck> Runtime::CheckHost(const HypervisorConfig& config) { return impl_->CheckHost(config); }

BuildInfo Build() { return {os::kVersion, os::BuildCommit()}; }

Result<> Runtime::DestroyFactory() {
  return With(factory::Destroy(impl_->state_root()), "remove the VM template");
}
Result<> Runtime::AddDirectVolume(const std::string& path, const DirectVolume& volume) {
  return With(impl_->AddDirectVolume(path, volume), "add volume " + path);
}
Result<> Runtime::RemoveDirectVolume(const std::string& path) {
  return With(impl_->RemoveDirectVolume(path), "remove volume " + path);
}
Result<> Runtime::ResizeDirectVolume(const std::string& path, uint64_t bytes) {
  return With(impl_->ResizeDirectVolume(path, bytes), "resize volume " + path);
}

Result<VolumeStats> Runtime::DirectVolumeStats(const std::string& path) {
  return With(impl_->DirectVolumeStats(path), "stats of volume " + path);
}
Result<NetInterface> Runtime::AddInterface(const std::string& sid, const std::string& name) {
  return With(impl_->AddInterface(sid, name), "add interface " + name + " to sandbox " + sid);
}
Result<> Runtime::RemoveInterface(const std::string& sid, const std::string& name) {
  return With(impl_->RemoveInterface(sid, name), "remove interface " + name + " from sandbox " + sid);
}
Result<std::vector<NetRoute>> Runtime::UpdateRoutes(const std::string& sid, const std::vector<NetRoute>& routes) {
  return With(impl_->UpdateRoutes(sid, routes), "update routes of sandbox " + sid);
}
Result<std::vector<NetInterface>> Runtime::ListInterfaces(const std::string& sid) {
  return With(impl_->ListInterfaces(sid), "interfaces of sandbox " + sid);
}
Result<std::vector<NetRoute>> Runtime::ListRoutes(const std::string& sid) {
  return With(impl_->ListRoutes(sid), "routes of sandbox " + sid);
}
Result<> Runtime::SignalProcess(const std::string& sid, const std::string& cid, const std::string& exec_id,
                                int signal) {
  return With(impl_->SignalProcess(sid, cid, exec_id, signal),
              "signal process " + (exec_id.empty() ? cid : exec_id) + " of container " + cid);
}
Result<> Runtime::ResizeTerminal(const std::string& sid, const std::string& cid, const std::string& exec_id,
                                 uint32_t rows, uint32_t columns) {
  return With(impl_->ResizeTerminal(sid, cid, exec_id, rows, columns),
              "resize the terminal of " + (exec_id.empty() ? cid : exec_id));
}
Result<std::unique_ptr<Process>> Runtime::AttachProcess(const std::string& sid,
                                                        const std::string& cid,
                                                        const std::string& exec_id) {
  return With(impl_->AttachProcess(sid, cid, exec_id), "attach to container " + cid);
}

}  // namespace vc

#include "agent/mock/mock_agent.h"

#include <signal.h>

namespace vc::agent::mock {

void Guest::Exit(const std::string& id, const std::string& exec_id, int32_t status) {
  std::lock_guard lock(mu_);
  auto p = FindProc(id, exec_id);
  if (!p || !(*p)->running) return;
  (*p)->running = false;
  (*p)->exited = true;
  (*p)->exit_status = status;
  exited_.notify_all();
}

void Guest::FailNext(const std::string& method, Error error) {
  std::lock_guard lock(mu_);
  fail_next_[method] = std::move(error);
}

std::vector<std::string> Guest::Calls() {
  std::lock_guard lock(mu_);
  return calls_;
}

bool Guest::HasContainer(const std::string& id) {
  std::lock_guard lock(mu_);
  return containers_.contains(id);
}

std::string Guest::hostname() {
  std::lock_guard lock(mu_);
  return hostname_;
}

std::string Guest::spec(const std::string& container_id) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  return it == containers_.end() ? "" : it->second.spec;
}

std::vector<GuestDisk> Guest::disks(const std::string& container_id) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  return it == containers_.end() ? std::vector<GuestDisk>{} : it->second.disks;
}

std::vector<GuestPciDevice> Guest::devices(const std::string& container_id) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  return it == containers_.end() ? std::vector<GuestPciDevice>{} : it->second.devices;
}

std::string Guest::resources(const std::string& container_id) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(container_id);
  return it == containers_.end() ? "" : it->second.resources;
}

std::vector<NetInterface> Guest::interfaces() {
  std::lock_guard lock(mu_);
  return interfaces_;
}

std::vector<NetRoute> Guest::routes() {
  std::lock_guard lock(mu_);
  return routes_;
}

uint32_t Guest::online_cpus() {
  std::lock_guard lock(mu_);
  return online_cpus_;
}

std::vector<std::string> Guest::modules() {
  std::lock_guard lock(mu_);
  return modules_;
}

Result<> Guest::Enter(const std::string& method) {
  calls_.push_back(method);
  if (destroyed_) return Fail(ErrorCode::kUnavailable, "the mock VM was destroyed");
  auto it = fail_next_.find(method);
  if (it == fail_next_.end()) return {};
  Error e = std::move(it->second);
  fail_next_.erase(it);
  return std::unexpected(e);
}

Result<Guest::Container*> Guest::FindContainer(const std::string& id) {
  auto c = containers_.find(id);
  if (c == containers_.end()) return Fail(ErrorCode::kNotFound, "container " + id + " not found");
  return &c->second;
}

Result<Guest::Proc*> Guest::FindProc(const std::string& id, const std::string& exec_id) {
  auto c = FindContainer(id);
  if (!c) return std::unexpected(c.error());
  if (exec_id.empty()) return &(*c)->init;
  auto e = (*c)->execs.find(exec_id);
  if (e == (*c)->execs.end()) return Fail(ErrorCode::kNotFound, "process " + exec_id + " not found");
  return &e->second;
}

#define VC_MOCK_ENTER(method)                 \
  std::unique_lock lock(g_->mu_);             \
  if (auto ok = g_->Enter(method); !ok) return std::unexpected(ok.error())

Result<GuestInfo> MockAgent::Check(std::chrono::milliseconds) {
  VC_MOCK_ENTER("Check");
  return GuestInfo{"mock", "mock-commit", "mock-kernel", 1024};
}

Result<> MockAgent::CreateSandbox(const std::string&, const std::string& hostname,
                                  const std::vector<SharedMount>&) {
  VC_MOCK_ENTER("CreateSandbox");
  g_->hostname_ = hostname;
  return {};
}

Result<> MockAgent::DestroySandbox() {
  VC_MOCK_ENTER("DestroySandbox");
  g_->destroyed_ = true;
  g_->containers_.clear();
  g_->exited_.notify_all();
  return {};
}

Result<> MockAgent::CreateContainer(const std::string& id, const std::string& spec,
                                   const std::vector<GuestDisk>& disks, const std::vector<GuestPciDevice>& devices) {
  VC_MOCK_ENTER("CreateContainer");
  if (g_->containers_.contains(id)) return Fail(ErrorCode::kAlreadyExists, "container " + id + " exists");
  g_->containers_[id].spec = spec;
  g_->containers_[id].disks = disks;
  g_->containers_[id].devices = devices;
  return {};
}

Result<> MockAgent::StartContainer(const std::string& id) {
  VC_MOCK_ENTER("StartContainer");
  auto p = g_->FindProc(id, "");
  if (!p) return std::unexpected(p.error());
  if ((*p)->started || (*p)->exited)
    return Fail(ErrorCode::kFailedPrecondition, "container " + id + " was already started");
  **p = {true, true, g_->next_pid_++, 0};
  return {};
}

Result<> MockAgent::RemoveContainer(const std::string& id) {
  VC_MOCK_ENTER("RemoveContainer");
  auto p = g_->FindProc(id, "");
  if (!p) return std::unexpected(p.error());
  if ((*p)->running) return Fail(ErrorCode::kFailedPrecondition, "container " + id + " is running");
  g_->containers_.erase(id);
  return {};
}

Result<> MockAgent::PauseContainer(const std::string& id) {
  VC_MOCK_ENTER("PauseContainer");
  auto c = g_->FindContainer(id);
  if (!c) return std::unexpected(c.error());
  (*c)->paused = true;
  return {};
}

Result<> MockAgent::ResumeContainer(const std::string& id) {
  VC_MOCK_ENTER("ResumeContainer");
  auto c = g_->FindContainer(id);
  if (!c) return std::unexpected(c.error());
  (*c)->paused = false;
  return {};
}

Result<Stats> MockAgent::StatsContainer(const std::string& id) {
  VC_MOCK_ENTER("StatsContainer");
  auto c = g_->FindContainer(id);
  if (!c) return std::unexpected(c.error());
  uint64_t pids = (*c)->init.running ? 1 : 0;
  for (const auto& [eid, e] : (*c)->execs) pids += e.running ? 1 : 0;
  return Stats{1000, 4096, pids, 0, 0};
}

Result<GuestStats> MockAgent::SampleGuest() {
  VC_MOCK_ENTER("SampleGuest");
  GuestStats s;
  s.memory_total_bytes = 256u << 20;
  s.memory_available_bytes = 200u << 20;
  s.interfaces.push_back({"eth0", 1000, 10, 0, 0, 2000, 20, 0, 0});
  return s;
}

Result<> MockAgent::UpdateContainer(const std::string& id, const std::string& oci_resources_json) {
  VC_MOCK_ENTER("UpdateContainer");
  auto c = g_->FindContainer(id);
  if (!c) return std::unexpected(c.error());
  (*c)->resources = oci_resources_json;
  return {};
}

Result<uint32_t> MockAgent::OnlineCpus(uint32_t count) {
  VC_MOCK_ENTER("OnlineCpus");
  g_->online_cpus_ = std::max(g_->online_cpus_, count);
  return g_->online_cpus_;
}

Result<std::vector<int32_t>> MockAgent::ListPids(const std::string& id) {
  VC_MOCK_ENTER("ListPids");
  auto c = g_->FindContainer(id);
  if (!c) return std::unexpected(c.error());
  std::vector<int32_t> pids;
  if ((*c)->init.running) pids.push_back((*c)->init.pid);
  for (const auto& [eid, e] : (*c)->execs)
    if (e.running) pids.push_back(e.pid);
  return pids;
}

Result<> MockAgent::ExecProcess(const std::string& id, const std::string& exec_id, const Cmd&) {
  VC_MOCK_ENTER("ExecProcess");
  auto c = g_->FindContainer(id);
  if (!c) return std::unexpected(c.error());
  (*c)->execs[exec_id] = {true, true, g_->next_pid_++, 0};
  return {};
}

Result<> MockAgent::SignalProcess(const std::string& id, const std::string& exec_id, int signal, bool all) {
  VC_MOCK_ENTER("SignalProcess");
  auto p = g_->FindProc(id, exec_id);
  if (!p) return std::unexpected(p.error());
  if (signal == SIGKILL || signal == SIGTERM) {
    auto end = [&](Guest::Proc& proc) {
      if (proc.exited) return;
      proc.running = false;
      proc.exited = true;
      proc.exit_status = 128 + signal;
    };
    end(**p);
    if (all)
      for (auto& [eid, e] : g_->containers_[id].execs) end(e);
    g_->exited_.notify_all();
  }
  return {};
}

Result<int32_t> MockAgent::WaitProcess(const std::string& id, const std::string& exec_id) {
  VC_MOCK_ENTER("WaitProcess");
  for (;;) {
    auto p = g_->FindProc(id, exec_id);
    if (!p) return std::unexpected(p.error());
    if (!(*p)->running) return (*p)->exit_status;
    g_->exited_.wait(lock);
  }
}

Result<ProcessState> MockAgent::GetProcessState(const std::string& id, const std::string& exec_id) {
  VC_MOCK_ENTER("ProcessState");
  auto p = g_->FindProc(id, exec_id);
  if (!p) return std::unexpected(p.error());
  return ProcessState{(*p)->running, (*p)->pid, (*p)->exit_status, (*p)->exited};
}

Result<size_t> MockAgent::WriteStdin(const std::string&, const std::string&, const std::string& data) {
  VC_MOCK_ENTER("WriteStdin");
  return data.size();
}

Result<> MockAgent::CloseStdin(const std::string&, const std::string&) {
  VC_MOCK_ENTER("CloseStdin");
  return {};
}

Result<OutputChunk> MockAgent::ReadOutput(const std::string&, const std::string&, bool) {
  VC_MOCK_ENTER("ReadOutput");
  return OutputChunk{"", true};
}

Result<> MockAgent::ResizeTty(const std::string& id, const std::string& exec_id, uint32_t, uint32_t) {
  VC_MOCK_ENTER("ResizeTty");
  auto p = g_->FindProc(id, exec_id);
  if (!p) return std::unexpected(p.error());
  return {};
}

// The mock guest has every MAC it is asked for.
Result<NetInterface> MockAgent::UpdateInterface(const NetInterface& iface) {
  VC_MOCK_ENTER("UpdateInterface");
  g_->interfaces_.push_back(iface);
  return iface;
}

Result<> MockAgent::UpdateRoutes(const std::vector<NetRoute>& routes) {
  VC_MOCK_ENTER("UpdateRoutes");
  g_->routes_.insert(g_->routes_.end(), routes.begin(), routes.end());
  return {};
}

Result<> MockAgent::AddNeighbors(const std::vector<NetNeighbor>&) {
  VC_MOCK_ENTER("AddNeighbors");
  return {};
}

Result<std::vector<NetInterface>> MockAgent::ListInterfaces() {
  VC_MOCK_ENTER("ListInterfaces");
  return g_->interfaces_;
}

Result<std::vector<NetRoute>> MockAgent::ListRoutes() {
  VC_MOCK_ENTER("ListRoutes");
  return g_->routes_;
}

// A mounted disk of some container, 1 GiB with 100 MiB used.
Result<VolumeStats> MockAgent::GetVolumeStats(const std::string& guest_path) {
  VC_MOCK_ENTER("GetVolumeStats");
  for (const auto& [id, c] : g_->containers_)
    for (const auto& d : c.disks)
      if (d.mount_point == guest_path) return VolumeStats{"", "", guest_path, 1u << 30, 100u << 20, 924u << 20, 65536, 11};
  return Fail(ErrorCode::kNotFound, "no disk mounted at " + guest_path);
}

Result<> MockAgent::ResizeVolume(const std::string& guest_path, uint64_t) {
  VC_MOCK_ENTER("ResizeVolume");
  for (const auto& [id, c] : g_->containers_)
    for (const auto& d : c.disks)
      if (d.mount_point == guest_path) return {};
  return Fail(ErrorCode::kNotFound, "no disk mounted at " + guest_path);
}

Result<> MockAgent::LoadModule(const std::string& name, const std::string&, const std::string& parameters) {
  VC_MOCK_ENTER("LoadModule");
  g_->modules_.push_back(parameters.empty() ? name : name + " " + parameters);
  return {};
}

#undef VC_MOCK_ENTER

}  // namespace vc::agent::mock

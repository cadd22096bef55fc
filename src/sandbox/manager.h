// The logic behind vc::Runtime: sandboxes and containers as persisted
// records, changed under the sandbox's lock, driven through the backend (the
// supervisor, the VM, the sandbox's resources) and the agent.
//
// One concern per file: sandbox_ops.cc (sandbox lifecycle), container_ops.cc
// (container lifecycle and processes), container_devices.cc (a container's
// disks, devices, modules and shared bind mounts), validate.cc (configurations),
// process.cc (the Process handle), this class's shared helpers in manager.cc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "oci/spec.h"
#include "persist/store.h"
#include "sandbox/backend.h"
#include "sandbox/record.h"
#include "sandbox/volumes.h"
#include "vc/vc.h"

namespace vc {

class Manager {
 public:
  Manager(RuntimeOptions options, std::unique_ptr<SandboxBackend> backend);

  Result<SandboxStatus> CreateSandbox(const SandboxConfig& config);
  Result<SandboxStatus> StartSandbox(const std::string& id);
  Result<> StopSandbox(const std::string& id);
  // Pauses (or resumes) the whole VM.
  Result<> PauseSandbox(const std::string& id, bool pause);
  Result<> DeleteSandbox(const std::string& id, bool force = false);
  Result<SandboxStatus> StatusSandbox(const std::string& id);
  Result<std::vector<SandboxStatus>> ListSandbox();

  Result<ContainerStatus> CreateContainer(const std::string& sid, const ContainerConfig& config);
  Result<ContainerStatus> StartContainer(const std::string& sid, const std::string& cid);
  Result<ContainerStatus> StopContainer(const std::string& sid, const std::string& cid);
  Result<> PauseContainer(const std::string& sid, const std::string& cid, bool pause);
  Result<> DeleteContainer(const std::string& sid, const std::string& cid);
  Result<std::unique_ptr<Process>> EnterContainer(const std::string& sid, const std::string& cid,
                                                  const Cmd& cmd, const std::string& exec_id);
  Result<ContainerStatus> StatusContainer(const std::string& sid, const std::string& cid);
  Result<> KillContainer(const std::string& sid, const std::string& cid, int signal, bool all);
  Result<ContainerStats> StatsContainer(const std::string& sid, const std::string& cid);
  Result<> UpdateContainer(const std::string& sid, const std::string& cid, const ContainerResources& resources);
  Result<std::vector<int32_t>> PidsContainer(const std::string& sid, const std::string& cid);
  Result<> SignalProcess(const std::string& sid, const std::string& cid, const std::string& exec_id,
                         int signal);
  Result<> ResizeTerminal(const std::string& sid, const std::string& cid, const std::string& exec_id,
                          uint32_t rows, uint32_t columns);
  Result<std::unique_ptr<Process>> AttachProcess(const std::string& sid, const std::string& cid,
                                                 const std::string& exec_id);

  Result<> AddDirectVolume(const std::string& volume_path, const DirectVolume& volume);
  Result<> RemoveDirectVolume(const std::string& volume_path);
  Result<VolumeStats> DirectVolumeStats(const std::string& volume_path);
  Result<> ResizeDirectVolume(const std::string& volume_path, uint64_t bytes);
  Result<NetInterface> AddInterface(const std::string& sid, const std::string& name);
  Result<> RemoveInterface(const std::string& sid, const std::string& name);
  Result<std::vector<NetInterface>> ListInterfaces(const std::string& sid);
  Result<std::vector<NetRoute>> UpdateRoutes(const std::string& sid, const std::vector<NetRoute>& routes);
  Result<std::vector<NetRoute>> ListRoutes(const std::string& sid);

  // Runtime::JoinSandboxCgroup (sandbox_ops.cc).
  Result<std::vector<std::string>> JoinSandboxCgroup(const std::string& sid, int32_t pid);
  // Runtime::OpenDebugConsole (debug_console.cc).
  Result<std::unique_ptr<DebugConsole>> OpenDebugConsole(const std::string& sid, uint16_t rows, uint16_t columns);

  const std::string& state_root() const { return options_.state_root; }
  // Runtime::SampleSandboxes (sample.cc).
  std::vector<SandboxSample> SampleSandboxes(std::chrono::milliseconds guest_timeout);
  // Whether sandboxes with `config` can run on this host (host_check.h).
  std::vector<HostCheck> CheckHost(const HypervisorConfig& config) const;

 private:
  // Loads the record under the sandbox lock, runs `fn` on it, and saves it
  // whether `fn` succeeded or not (it may have changed the guest before failing).
  template <typename T>
  Result<T> WithSandbox(const std::string& id, const std::function<Result<T>(SandboxRecord&)>& fn);
  // The record under the lock `lock` now holds.
  Result<SandboxRecord> Load(const std::string& id, persist::SandboxLock& lock);
  Result<> RemoveUnreadable(const std::string& id);

  // Shares the rootfs (or attaches its disk) and creates the container in the guest.
  Result<agent::GuestDisk> AttachRootDisk(const std::string& sid, SandboxRecord& record, ContainerRecord& c);
  Result<> DetachDevices(const std::string& sid, SandboxRecord& record, ContainerRecord& c);
  Result<> CreateInGuest(const std::string& sid, SandboxRecord& record, ContainerRecord& c,
                         agent::Agent& agent);
  Result<> StartInGuest(SandboxRecord& record, ContainerRecord& c, agent::Agent& agent);
  void MarkFirstContainer(SandboxRecord& record, const std::string& phase);
  // Grows the VM to what its containers need with `cid` at `resources`
  // (sandbox/vm_size.h); vCPUs it hot-plugged are brought online in the guest.
  Result<> FitVm(const std::string& sid, const SandboxRecord& record, const std::string& cid,
                 const oci::Resources& resources, agent::Agent& agent);
  // The container's poststop hooks (failures are logged only).
  void RunPoststop(const SandboxRecord& record, const ContainerRecord& c);
  Result<> ShareMounts(const std::string& sid, ContainerRecord& c, oci::Spec& spec,
                       std::vector<agent::GuestDisk>& disks);
  // The running container that has `volume_path` attached (ids and guest path only).
  Result<VolumeStats> FindVolumeUser(const std::string& volume_path);
  Result<> AttachDevices(const std::string& sid, ContainerRecord& c, const oci::Spec& spec,
                        std::vector<agent::GuestDisk>& disks, std::vector<agent::GuestPciDevice>& devices);
  // The kernel modules the spec's annotation asks for, loaded in the guest
  // from the modules directory of the sandbox's kernel.
  Result<> LoadModules(const SandboxRecord& record, const oci::Spec& spec, agent::Agent& agent);
  Result<agent::GuestDisk> AttachVolume(const std::string& sid, ContainerRecord& c, size_t index,
                                        const DiskMount& mount);
  // Updates container states from the guest (exited processes) or from a dead VM.
  void Refresh(const std::string& sid, SandboxRecord& record);
  // Kills the supervisor if alive and releases every host resource of the sandbox.
  void ReleaseHost(const std::string& sid, SandboxRecord& record);
  SandboxStatus StatusOf(const SandboxRecord& record) const;
  // Runs `fn` with an agent of the running sandbox, under the lock.
  template <typename T>
  Result<T> WithGuest(const std::string& sid, const std::function<Result<T>(agent::Agent&)>& fn);
  // Runs `fn` with an agent of the sandbox, under the lock, if the container
  // has been created in the running guest.
  template <typename T>
  Result<T> WithGuestContainer(const std::string& sid, const std::string& cid,
                               const std::function<Result<T>(agent::Agent&)>& fn);

  RuntimeOptions options_;
  std::unique_ptr<persist::Store> store_;
  std::unique_ptr<SandboxBackend> backend_;
};

// Gives the guest the pod's network: interfaces, then neighbours, then routes
// (a gateway route needs its interface's addresses first).
Result<> ConfigureGuestNetwork(agent::Agent& agent, const agent::GuestNetwork& network);

// The record after its VM ended: the sandbox and every live container stopped
// (killed, if they had no exit status of their own).
void MarkStopped(SandboxRecord& record);
// kNotFound unless the sandbox has a container `cid`.
Result<ContainerRecord*> FindContainer(SandboxRecord& record, const std::string& cid);
ContainerStatus ContainerStatusOf(const ContainerRecord& c);
std::string RandomHex(size_t chars);

template <typename T>
Result<T> Manager::WithSandbox(const std::string& id, const std::function<Result<T>(SandboxRecord&)>& fn) {
  persist::SandboxLock lock;
  auto record = Load(id, lock);
  if (!record) return std::unexpected(record.error());
  Result<T> result = fn(*record);
  if (auto saved = store_->Save(id, ToJson(*record)); !saved && result) return std::unexpected(saved.error());
  return result;
}

}  // namespace vc

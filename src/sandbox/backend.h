// What the sandbox manager needs from the world outside its records: the
// per-sandbox supervisor, the agent behind it, and the sandbox's host
// resources (resource/), which put container roots into the guest. The host
// implementation does it for real; unit tests pass a fake so the manager's
// logic runs unprivileged.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "hypervisor/hypervisor.h"
#include "os/fd.h"
#include "resource/share_fs/share_fs.h"
#include "sandbox/launch.h"
#include "supervisor/protocol/control_client.h"
#include "supervisor/protocol/spec.h"
#include "vc/result.h"
#include "vc/vc.h"

namespace vc {

// A debug console session's socket and the lock that makes it the only one.
struct DebugConsoleEnds {
  os::Fd socket;
  os::Fd lock;
};

class SandboxBackend {
 public:
  virtual ~SandboxBackend() = default;

  // Starts the sandbox's VM (through its supervisor) and waits until the agent answers.
  virtual Result<LaunchReport> Launch(const SupervisorSpec& spec, std::chrono::milliseconds timeout) = 0;
  // True if the recorded supervisor still runs.
  virtual bool SupervisorAlive(const std::string& sandbox_id, int32_t pid) = 0;
  // The sandbox's supervisor found among the host's processes, for when its
  // record is lost; 0 if none runs.
  virtual int32_t RunningSupervisor(const std::string& sandbox_id) = 0;
  // Waits up to `grace` for the supervisor to end by itself, then terminates it.
  virtual void StopSupervisor(const std::string& sandbox_id, int32_t pid,
                              std::chrono::milliseconds grace) = 0;
  virtual Result<std::unique_ptr<agent::Agent>> Connect(const std::string& sandbox_id) = 0;
  // The host end of the VM's debug console port, held by this caller alone
  // (kFailedPrecondition while another session has it).
  virtual Result<DebugConsoleEnds> ConnectDebugConsole(const std::string& sandbox_id) = 0;
  // Control of the running VM whose backend of `type` saved `state`.
  virtual Result<std::unique_ptr<hypervisor::Hypervisor>> AttachVm(const std::string& type,
                                                                    const nlohmann::json& state) = 0;

  // A container's root, shared into the running sandbox's guest; its guest path.
  virtual Result<std::string> ShareRootfs(const std::string& sandbox_id, const std::string& container_id,
                                          const std::string& source) = 0;
  // A file or directory the container's spec bind-mounts (its `index`-th
  // mount), shared into the guest as `options` say; its guest path.
  virtual Result<std::string> ShareMount(const std::string& sandbox_id, const std::string& container_id,
                                         size_t index, const std::string& source,
                                         const resource::ShareOptions& options) = 0;
  // Undoes ShareRootfs and ShareMount for the container; succeeds if nothing is shared.
  virtual Result<> UnshareContainer(const std::string& sandbox_id, const std::string& container_id) = 0;
  // Connects pod interface `name` to the running VM as a hot-plugged NIC
  // (the supervisor does it); what the guest must configure for it.
  virtual Result<agent::GuestNetwork> AddInterface(const std::string& sandbox_id, const std::string& name) = 0;
  virtual Result<> RemoveInterface(const std::string& sandbox_id, const std::string& name) = 0;
  // Attaches the block device or image file at `path` to the running VM
  // (the supervisor checks, opens and hot-plugs it); where the guest finds it.
  // `raw`: a device node for a container (no file system needed).
  virtual Result<AttachedDisk> AddDisk(const std::string& sandbox_id, const std::string& path, bool read_only,
                                       bool raw) = 0;
  // Hot-unplugs a disk the guest no longer uses.
  virtual Result<> RemoveDisk(const std::string& sandbox_id, const std::string& disk_id) = 0;
  // Grows the disk at host `path` the running VM has to `bytes`.
  virtual Result<> ResizeDisk(const std::string& sandbox_id, const std::string& path, uint64_t bytes) = 0;
  // Passes the host's IOMMU group `group` to the running VM (the supervisor
  // binds it to vfio-pci and hot-plugs its functions; a group the VM has is
  // shared); the guest's PCI path of each function.
  virtual Result<std::vector<std::string>> AddVfioGroup(const std::string& sandbox_id, const std::string& group) = 0;
  // One user of the group fewer; the last one's takes it out of the VM and
  // gives the host its drivers back.
  virtual Result<> RemoveVfioGroup(const std::string& sandbox_id, const std::string& group) = 0;
  // Grows the running VM to at least `want` (the supervisor hot-plugs vCPUs
  // and memory); the size it has then.
  virtual Result<hypervisor::VmSize> GrowVm(const std::string& sandbox_id, const hypervisor::VmSize& want) = 0;
  // Standalone CNI: a network namespace for the sandbox, wired by the CNI
  // plugins; its path. DeletePodNetwork undoes it (nothing if none was made).
  virtual Result<std::string> CreatePodNetwork(const std::string& sandbox_id, const NetworkConfig& config) = 0;
  virtual Result<> DeletePodNetwork(const std::string& sandbox_id) = 0;
  // Undoes whatever the sandbox's resources left on the host (after its
  // supervisor ended, also abruptly).
  virtual void ReleaseResources(const std::string& sandbox_id) = 0;
};

// The real thing: vc-supervisor processes, ttRPC over the supervisor's socket, resource::Manager.
std::unique_ptr<SandboxBackend> NewHostBackend(const RuntimeOptions& options);

}  // namespace vc

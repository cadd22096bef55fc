// The host side of the guest agent, in the library's own terms.
//
// Only src/agent/ttrpc_agent.cc knows the protobuf messages. Implementations
// are thread-safe: stdio pumps and a waiter may call at the same time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vc/result.h"
#include "vc/types.h"

namespace vc::agent {

struct GuestInfo {
  std::string agent_version;
  std::string agent_commit;
  std::string kernel_release;
  uint64_t agent_rss_bytes = 0;
};

struct SharedMount {
  std::string tag;                   // the share device's tag
  std::string guest_path;            // where the guest mounts it
  std::string fstype = "virtiofs";   // "virtiofs" or "9p"
  std::vector<std::string> options;  // mount options
};

// A disk the guest mounts for a container before making it (a block root, a
// block volume), found by its address on its bus and waited for; unmounted
// when the container is removed.
struct GuestDisk {
  std::string driver;   // "virtio-blk" (address: PCI path "02/00") or "virtio-scsi" (address: "TARGET:LUN")
  std::string address;
  std::string fstype;
  std::vector<std::string> options;  // mount options
  std::string mount_point;           // absolute guest path
  // Instead of a mount: the path of the container's linux.devices entry that
  // is this disk; the guest gives it the disk's numbers.
  std::string device_path;
};

// A host PCI device passed through for a container (VFIO): waited for at its
// PCI path ("02/00") and driven by the guest kernel; the container's
// linux.devices entry at `container_path` (the host's /dev/vfio/<group>)
// is dropped in the guest.
struct GuestPciDevice {
  std::string address;
  std::string container_path;
};

// What the guest configures to take the pod's network over: each interface
// (found by its MAC), then static neighbours and routes.
struct GuestNetwork {
  std::vector<NetInterface> interfaces;
  std::vector<NetRoute> routes;
  std::vector<NetNeighbor> neighbors;
};

struct ProcessState {
  bool running = false;
  int32_t pid = 0;
  int32_t exit_status = 0;
  bool exited = false;  // it ended: not running, and never will (also killed before its start)
};

struct OutputChunk {
  std::string data;
  bool eof = false;
};

using Stats = ContainerStats;

class Agent {
 public:
  virtual ~Agent() = default;

  virtual Result<GuestInfo> Check(std::chrono::milliseconds timeout) = 0;
  virtual Result<> CreateSandbox(const std::string& sandbox_id, const std::string& hostname,
                                 const std::vector<SharedMount>& mounts) = 0;
  // Kills everything in the guest and powers the VM off.
  virtual Result<> DestroySandbox() = 0;

  // `oci_spec_json`: a whole OCI runtime spec whose root.path is a guest
  // path; `disks` are mounted first.
  virtual Result<> CreateContainer(const std::string& id, const std::string& oci_spec_json,
                                   const std::vector<GuestDisk>& disks,
                                   const std::vector<GuestPciDevice>& devices) = 0;
  virtual Result<> StartContainer(const std::string& id) = 0;
  virtual Result<> RemoveContainer(const std::string& id) = 0;
  virtual Result<> PauseContainer(const std::string& id) = 0;
  virtual Result<> ResumeContainer(const std::string& id) = 0;
  virtual Result<Stats> StatsContainer(const std::string& id) = 0;
  // The guest's memory, CPU time, load, and its interfaces' and disks' counters.
  virtual Result<GuestStats> SampleGuest() = 0;
  // `oci_resources_json`: an OCI LinuxResources object (memory, cpu, pids limits).
  virtual Result<> UpdateContainer(const std::string& id, const std::string& oci_resources_json) = 0;
  // Guest pids of every process in the container.
  virtual Result<std::vector<int32_t>> ListPids(const std::string& id) = 0;
  // Brings hot-plugged vCPUs online; waits until `count` are; the number online.
  virtual Result<uint32_t> OnlineCpus(uint32_t count) = 0;
  // Loads a kernel module (`image`: the .ko file's bytes) with `parameters`
  // ("key=value ..."); one already loaded is left as it is.
  virtual Result<> LoadModule(const std::string& name, const std::string& image, const std::string& parameters) = 0;

  // exec_id "" names the container's init process everywhere below.
  virtual Result<> ExecProcess(const std::string& id, const std::string& exec_id,
                               const Cmd& cmd) = 0;
  virtual Result<> SignalProcess(const std::string& id, const std::string& exec_id, int signal,
                                 bool all) = 0;
  // Blocks until the process exits; its exit code or 128 + signal.
  virtual Result<int32_t> WaitProcess(const std::string& id, const std::string& exec_id) = 0;
  virtual Result<ProcessState> GetProcessState(const std::string& id,
                                               const std::string& exec_id) = 0;
  virtual Result<size_t> WriteStdin(const std::string& id, const std::string& exec_id,
                                    const std::string& data) = 0;
  virtual Result<> CloseStdin(const std::string& id, const std::string& exec_id) = 0;
  // Blocks until output is available or the stream ends.
  virtual Result<OutputChunk> ReadOutput(const std::string& id, const std::string& exec_id,
                                         bool stderr_stream) = 0;
  // Window size of a process started with a terminal.
  virtual Result<> ResizeTty(const std::string& id, const std::string& exec_id, uint32_t rows,
                             uint32_t columns) = 0;

  // Configures the guest interface whose MAC is `iface.mac`, waiting a few
  // seconds for it to appear: name, MTU, addresses, link up. Returns it as
  // the guest now has it.
  virtual Result<NetInterface> UpdateInterface(const NetInterface& iface) = 0;
  // Adds the routes, replacing any with the same destination.
  virtual Result<> UpdateRoutes(const std::vector<NetRoute>& routes) = 0;
  virtual Result<> AddNeighbors(const std::vector<NetNeighbor>& neighbors) = 0;
  // Every interface but loopback.
  virtual Result<std::vector<NetInterface>> ListInterfaces() = 0;
  virtual Result<std::vector<NetRoute>> ListRoutes() = 0;

  // The file system of a disk the guest mounted for a container (GuestDisk::mount_point).
  virtual Result<VolumeStats> GetVolumeStats(const std::string& guest_path) = 0;
  // After the host grew that disk to `bytes`: its file system grows to match.
  virtual Result<> ResizeVolume(const std::string& guest_path, uint64_t bytes) = 0;
};

// An agent reached through a unix socket speaking ttRPC (the sandbox's supervisor).
Result<std::unique_ptr<Agent>> ConnectAgent(const std::string& socket_path);

}  // namespace vc::agent

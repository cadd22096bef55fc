// The hypervisor interface: coarse VM lifecycle, not shaped after any one VMM.
//
// A backend is created empty, is given its devices (AddDevice), then either
// Start()s a VM or is Attach()ed to one started earlier (possibly by another
// process) from its persisted state. Not thread-safe: callers serialize (the
// sandbox lock, or the supervisor's one thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hypervisor/device.h"
#include "vc/result.h"
#include "vc/types.h"

namespace vc::hypervisor {

// Guest memory backed by a file, for VM templates (src/factory/).
struct MemoryFile {
  std::string path;
  // false: the guest's memory lives in the file, which keeps it once the VM
  // is gone (a template being made). true: the file holds the memory to start
  // from, mapped copy-on-write (a VM restored from a template): what the
  // guest writes stays its own and the file never changes, so any number of
  // VMs share its pages.
  bool copy_on_write = false;
};

// The VM itself; its devices come through AddDevice.
struct VmSpec {
  std::string sandbox_id;
  HypervisorConfig config;
  std::string control_socket;  // where the backend's control channel listens (QEMU: QMP)
  std::string log_path;        // the hypervisor process's own output
  std::optional<MemoryFile> memory_file;
  // Non-empty: instead of booting, continue from the device state SaveState
  // wrote to this file, with the memory saved beside it (memory_file, copy-on-
  // write). The devices must be those the saved VM had.
  std::string restore_from;
};

// A VM's size in vCPUs and memory.
struct VmSize {
  uint32_t vcpus = 0;
  uint32_t memory_mib = 0;
  bool operator==(const VmSize&) const = default;
};

struct Capabilities {
  bool pause = true;
  bool shared_fs = true;
  bool vsock = false;  // the host can reach the guest over AF_VSOCK
};

class Hypervisor {
 public:
  virtual ~Hypervisor() = default;

  virtual std::string Name() const = 0;
  virtual Capabilities GetCapabilities() const = 0;

  // Gives the VM a device. Before Start() it is there from boot (cold plug);
  // on a running VM it is hot-plugged where the backend can, else the call
  // fails (kUnimplemented) and nothing changes.
  // kAlreadyExists if the id is taken.
  Result<> AddDevice(const Device& device);
  // Takes a device away: before Start() it is simply not added; on a running
  // VM it is hot-unplugged where the backend can. kNotFound if unknown.
  Result<> RemoveDevice(const std::string& id);
  const std::vector<Device>& devices() const { return devices_; }

  // Launches the VM and returns once its process runs and the backend can
  // control it (QEMU: QMP answers). The VM process is a child of the caller.
  // The host end of the agent channel may not be ready yet.
  virtual Result<> Start(const VmSpec& spec) = 0;
  // Takes control of a VM started earlier from the state Save() returned.
  virtual Result<> Attach(const nlohmann::json& state) = 0;
  virtual nlohmann::json Save() const = 0;

  // Ends the VM: graceful first, forced after `grace`. Succeeds if the VM is already gone.
  virtual Result<> Stop(std::chrono::milliseconds grace) = 0;
  virtual Result<> Pause() = 0;
  virtual Result<> Resume() = 0;

  // Grows the running VM toward `want`, hot-plugging vCPUs and memory, as far
  // as it was started to grow (nothing is taken away); returns the size it
  // has then, which is smaller than `want` where the maximum stopped it.
  // kUnimplemented where the backend cannot grow.
  virtual Result<VmSize> Grow(const VmSize& want);
  // The host threads that run the vCPUs (for a cgroup of their own);
  // kUnimplemented where the backend cannot tell.
  virtual Result<std::vector<pid_t>> VcpuThreads();
  // Pauses the VM and writes its device state to `path`; its memory stays in
  // its memory file (VmSpec::memory_file, not copy-on-write), so the two make
  // a template. The VM stays paused. kUnimplemented where the backend cannot.
  virtual Result<> SaveState(const std::string& path);

  // Where the guest finds device `id` (a BlockDevice or VfioDevice it has):
  // its PCI path ("02/00", see qemu::PciPath) for virtio-blk and VFIO,
  // "TARGET:LUN" on the SCSI controller for virtio-scsi. kUnimplemented
  // where the backend cannot tell.
  virtual Result<std::string> DeviceAddress(const std::string& id);

  // Grows disk `id` (a BlockDevice it has) to `bytes`: an image file is
  // extended; a host block device must have grown already. The guest sees
  // the new capacity. kUnimplemented where the backend cannot.
  virtual Result<> ResizeDisk(const std::string& id, uint64_t bytes);

  // Host processes of the VM (QEMU: its pid), for supervision and accounting.
  virtual std::vector<pid_t> Pids() const = 0;
  // "kvm" or "tcg" once started.
  virtual std::string Accelerator() const = 0;

 protected:
  // True once the VM runs (started or attached): devices then take the hot path.
  virtual bool Running() const = 0;
  virtual Result<> HotPlug(const Device& device);
  virtual Result<> HotUnplug(const Device& device);

 private:
  std::vector<Device> devices_;
};

// The backend registered under `type` ("qemu", "mock").
Result<std::unique_ptr<Hypervisor>> New(const std::string& type);
// A backend of `type` in control of the VM whose state it saved earlier.
Result<std::unique_ptr<Hypervisor>> Attach(const std::string& type, const nlohmann::json& state);
// kInvalidArgument naming the known types unless `type` is one.
Result<> CheckType(const std::string& type);

}  // namespace vc::hypervisor

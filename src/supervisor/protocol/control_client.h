// The library's side of the supervisor's control API (proto/supervisor.proto,
// on the sandbox's control.sock): what only the process that owns the VM and
// the sandbox's resources can do, asked of it from another process.
#pragma once

#include <string>

#include "agent/agent.h"
#include "hypervisor/hypervisor.h"
#include "vc/result.h"

namespace vc {

inline constexpr const char* kSupervisorService = "vc.supervisor.v1.Supervisor";

// Connects pod interface `name` and hot-plugs its NIC; what the guest must
// configure for it.
Result<agent::GuestNetwork> SupervisorAddInterface(const std::string& control_socket, const std::string& name);
Result<> SupervisorRemoveInterface(const std::string& control_socket, const std::string& name);
// A disk attached to a running VM, and where its guest finds it.
struct AttachedDisk {
  std::string id;       // the VM's name for it
  std::string driver;   // hypervisor::kVirtioBlk or kVirtioScsi
  std::string address;  // Hypervisor::DeviceAddress
  std::string fstype;   // "ext4" or "xfs"
};

// A disk the VM has from boot: the root disk of a container the sandbox
// starts with, asked for by host path before the VM boots (no hot-plug to
// wait for). It stays until the VM ends; `user` is the container that has
// it mounted now ("" none: the next container on the same disk takes it).
struct BootDisk {
  std::string path;
  bool read_only = false;
  AttachedDisk disk;  // once attached
  std::string user;
};

void to_json(nlohmann::json& j, const BootDisk& d);
void from_json(const nlohmann::json& j, BootDisk& d);

// Opens the block device or image file at `path` and hot-plugs it.
// `raw`: for a device node, no file system needed.
Result<AttachedDisk> SupervisorAddDisk(const std::string& control_socket, const std::string& path, bool read_only,
                                       bool raw);
Result<> SupervisorRemoveDisk(const std::string& control_socket, const std::string& id);

// Grows the disk at host `path` that the VM has to `bytes`.
Result<> SupervisorResizeDisk(const std::string& control_socket, const std::string& path, uint64_t bytes);

// Passes IOMMU group `group` to the running VM (counted: a group it has is
// shared); where the guest finds each of its PCI functions (PCI paths).
Result<std::vector<std::string>> SupervisorAddVfioGroup(const std::string& control_socket, const std::string& group);
Result<> SupervisorRemoveVfioGroup(const std::string& control_socket, const std::string& group);

// Grows the VM to at least `want`; the size it has then.
Result<hypervisor::VmSize> SupervisorGrowVm(const std::string& control_socket, const hypervisor::VmSize& want);

}  // namespace vc

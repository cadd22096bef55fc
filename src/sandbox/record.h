// The persisted form of a sandbox: its configuration, its state, and what a
// later process needs to reach it (supervisor pid, hypervisor state).
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "persist/config_json.h"
#include "supervisor/protocol/control_client.h"
#include "os/timeline.h"
#include "vc/result.h"
#include "vc/types.h"

namespace vc {


struct ContainerRecord {
  ContainerConfig config;
  ContainerState state = ContainerState::kReady;
  int32_t pid = 0;
  std::optional<int32_t> exit_status;
  bool rootfs_mounted = false;  // in the guest: shared, or its disk attached
  std::vector<std::string> disks;  // the VM's ids of the disks attached for it
  std::vector<std::string> vfio_groups;  // the host's IOMMU groups passed to the VM for it
};

struct SandboxRecord {
  SandboxConfig config;
  SandboxState state = SandboxState::kReady;
  int32_t supervisor_pid = 0;
  nlohmann::json hypervisor;  // Hypervisor::Save()
  std::string accel;
  std::map<std::string, ContainerRecord> containers;
  std::vector<BootDisk> boot_disks;  // the VM's disks from boot (this run)
  Timeline timeline;  // of the last start
};

nlohmann::json ToJson(const SandboxRecord& record);
Result<SandboxRecord> SandboxRecordFromJson(const nlohmann::json& j);

}  // namespace vc

// Starting a sandbox's supervisor process and reading its start report.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/agent.h"
#include "os/timeline.h"
#include "supervisor/protocol/control_client.h"
#include "supervisor/protocol/spec.h"
#include "vc/result.h"

namespace vc {

struct LaunchReport {
  int32_t supervisor_pid = 0;
  nlohmann::json hypervisor;
  std::string accel;
  std::string guest_kernel;
  std::vector<agent::SharedMount> guest_mounts;  // what the sandbox's resources ask the guest to mount
  agent::GuestNetwork guest_network = {};        // what the guest configures to take the pod's network
  std::vector<Moment> moments;                   // the supervisor's phases of the start
  std::vector<BootDisk> disks;                   // SupervisorSpec::disks, attached
};

// The supervisor's spec for a sandbox's configuration.
SupervisorSpec SupervisorSpecOf(const SandboxConfig& config);

// The vc-supervisor binary: `configured` if set, else next to the running
// program, else from $PATH.
Result<std::string> FindSupervisor(const std::string& configured);

// Spawns vc-supervisor detached from the caller (own session, survives the
// caller) and waits up to `timeout` for its report. The supervisor's spec
// must be saved already (SupervisorSpec). On failure the supervisor has
// cleaned up and exited. `guest_log_fd` >= 0: the supervisor also writes the
// guest's log lines there (RuntimeOptions::guest_log_fd).
Result<LaunchReport> LaunchSupervisor(const std::string& binary, const std::string& state_root,
                                      const std::string& sandbox_id, const std::string& log_path,
                                      std::chrono::milliseconds timeout, int guest_log_fd = -1);

// True if `pid` is alive and is the supervisor of `sandbox_id` under
// `state_root` (not another process that reused the pid after a reboot of the
// host or a crash).
bool SupervisorAlive(int32_t pid, const std::string& state_root, const std::string& sandbox_id);

// The pid of the running supervisor of `sandbox_id` under `state_root`,
// found in /proc; 0 if none.
int32_t RunningSupervisor(const std::string& state_root, const std::string& sandbox_id);

}  // namespace vc

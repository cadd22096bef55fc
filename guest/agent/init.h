// PID-1 duties of vc-agent: the guest's base mounts, kernel modules, the
// agent channel device, and powering the VM off.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::agent {

// Moves the agent from the initramfs onto a tmpfs root, as switch_root does:
// pivot_root(2) cannot leave the initramfs, and containers need it to drop
// the guest's root from their mount namespace. Empties the initramfs to give
// its memory back. Call first, as PID 1, after loading modules.
Result<> LeaveInitramfs();

// Mounts proc, sys, devtmpfs, devpts, /run, /tmp and cgroup2, and enables the
// cpu, memory and pids controllers for container cgroups.
Result<> MountBaseFilesystems();

// Loads each module listed in `order_file` (one path per line, dependencies first).
// Returns how many were loaded.
Result<int> LoadModules(const std::string& order_file);
// Reads each module listed in `order_file` into memory, for loading after the
// initramfs is gone (LoadModuleImages). A missing list is an empty one.
Result<std::vector<std::string>> ReadModules(const std::string& order_file);
Result<> LoadModuleImages(const std::vector<std::string>& images);

// The channels the host may use to reach the agent.
struct Channels {
  std::string serial_port;  // /dev node of the virtio-serial port; empty if absent
  bool vsock = false;       // the guest has a vsock transport (a CID of its own)
};

// The /dev node of the virtio-serial port named `name`; empty if absent.
std::string FindVirtioPort(const std::string& name);

// Waits up to `timeout_ms` for the virtio-serial port named `port_name` or a
// vsock transport to appear; fails if neither does.
Result<Channels> FindChannels(const std::string& port_name, int timeout_ms);

// Mixes host randomness into the guest's generator, credited as entropy, and
// reseeds it now: VMs restored from one template start with the same
// generator state. Empty `entropy`: nothing to do.
Result<> Reseed(const std::string& entropy);

// Flushes file systems and powers the VM off. Does not return.
[[noreturn]] void PowerOff();

// The guest's CLOCK_BOOTTIME in microseconds: now, and when main() began
// (RecordAgentStart, called first thing).
uint64_t UptimeUsec();
void RecordAgentStart();
uint64_t AgentStartUptimeUsec();

// Writes a line to the guest console (the host keeps it in console.log).
void Log(const std::string& line);
// From CreateSandbox on, each line names the sandbox.
void SetLogSandbox(const std::string& sandbox_id);

}  // namespace vc::agent

// PID-1 duties of vc-agent: the guest's base mounts, kernel modules, the
// agent channel device, and powering the VM off.
#pragma once

#include <string>

#include "vc/result.h"

namespace vc::agent {

// Mounts proc, sys, devtmpfs, devpts, /run, /tmp and cgroup2, and enables the
// cpu, memory and pids controllers for container cgroups.
Result<> MountBaseFilesystems();

// Loads each module listed in `order_file` (one path per line, dependencies first).
// Returns how many were loaded.
Result<int> LoadModules(const std::string& order_file);

// The /dev node of the virtio-serial port named `name`, waiting for it to appear.
Result<std::string> FindVirtioPort(const std::string& name, int timeout_ms);

// Flushes file systems and powers the VM off. Does not return.
[[noreturn]] void PowerOff();

// Writes a line to the guest console (the host keeps it in console.log).
void Log(const std::string& line);

}  // namespace vc::agent

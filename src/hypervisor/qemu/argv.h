// QEMU's command line for a sandbox VM, as an argv vector. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "hypervisor/hypervisor.h"

namespace vc::hypervisor::qemu {

struct ArgvInput {
  const VmSpec& spec;
  std::string binary;  // resolved path of qemu-system-x86_64
  std::string accel;   // "kvm" or "tcg"
};

// <run_dir>/qmp.sock and <run_dir>/console.log
std::string QmpSocketPath(const std::string& run_dir);
std::string ConsoleLogPath(const std::string& run_dir);

Result<std::vector<std::string>> BuildArgv(const ArgvInput& in);

}  // namespace vc::hypervisor::qemu

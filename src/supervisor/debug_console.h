// The host side of the VM's debug console (AgentConfig::debug_console): the
// guest's initramfs with the console's shell appended, the kernel parameter
// that tells the agent to serve it, and the virtio-serial port it serves on,
// whose host end is SandboxLayout::DebugConsoleSocket().
#pragma once

#include "hypervisor/device.h"
#include "persist/layout.h"
#include "vc/types.h"

namespace vc::supervisor {

// Writes the sandbox's initramfs (hv's, then console::kArchiveName from
// beside it) and points `hv` at it, with the kernel parameter; the port to
// add to the VM.
Result<hypervisor::SerialPortDevice> PrepareDebugConsole(const SandboxLayout& layout, HypervisorConfig& hv);

}  // namespace vc::supervisor

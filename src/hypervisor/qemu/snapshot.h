// The QMP sequences that make and restore a VM template: the device state
// through QEMU's migration stream into a file, guest memory left in the
// memory backend's own file (capability x-ignore-shared: the stream skips
// RAM that lives in a shared file). Kept apart from the process handling so
// that the unit tests can play them against a fake QMP server.
#pragma once

#include <chrono>
#include <string>

#include "hypervisor/qemu/qmp.h"

namespace vc::hypervisor::qemu {

// Stops the VM, then migrates its device state into file `path` and waits
// until the migration completed (query-migrate). The VM stays stopped.
Result<> SaveVmState(QmpClient& qmp, const std::string& path, std::chrono::milliseconds timeout);

// On a QEMU started with `-incoming defer` and the saved memory file mapped
// copy-on-write: loads the device state from file `path`, waits until it is
// in (query-status leaves "inmigrate"), then runs the VM.
Result<> LoadVmState(QmpClient& qmp, const std::string& path, std::chrono::milliseconds timeout);

// `path` quoted for the shell that runs QEMU's exec: migration URIs.
std::string ShellQuoted(const std::string& path);

}  // namespace vc::hypervisor::qemu

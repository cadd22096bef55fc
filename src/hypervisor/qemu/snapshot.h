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

// Stops the VM, then migrates its device state into `fd` (an open file,
// passed with getfd: QEMU writes it itself, so "completed" means the bytes
// are in the file) and waits until the migration completed (query-migrate).
// The VM stays stopped.
Result<> SaveVmState(QmpClient& qmp, int fd, std::chrono::milliseconds timeout);

// On a QEMU started with `-incoming defer` and the saved memory file mapped
// copy-on-write: loads the device state from `fd` (passed with getfd), waits
// until it is in (query-status leaves "inmigrate"), then runs the VM.
Result<> LoadVmState(QmpClient& qmp, int fd, std::chrono::milliseconds timeout);

}  // namespace vc::hypervisor::qemu

// The QMP sequences that hot-plug devices into a running QEMU and take them
// out again. Kept apart from the process handling so that the unit tests can
// play them against a fake QMP server.
#pragma once

#include <chrono>
#include <string>

#include "hypervisor/device.h"
#include "hypervisor/qemu/qmp.h"

namespace vc::hypervisor::qemu {

// Passes the NIC's descriptors to QEMU (getfd), adds its tap backend
// (netdev_add) and the virtio-net device in PCIe root port `port`
// (device_add). On failure, what was added is taken back.
Result<> PlugNet(QmpClient& qmp, const NetDevice& nic, const std::string& port);

// device_del, waits for the guest to let the device go (DEVICE_DELETED),
// then removes its backend (netdev_del).
Result<> UnplugNet(QmpClient& qmp, const std::string& id, std::chrono::milliseconds timeout);

}  // namespace vc::hypervisor::qemu

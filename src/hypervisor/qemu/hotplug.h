// The QMP sequences that hot-plug devices into a running QEMU and take them
// out again. Kept apart from the process handling so that the unit tests can
// play them against a fake QMP server.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

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

// Adds vCPUs until the VM has `count` or no slot is free: query-hotpluggable-cpus
// lists every slot, a plugged one with its qom-path; free slots are filled in
// order with device_add of their type and properties. Returns the vCPUs it has then.
Result<uint32_t> PlugCpus(QmpClient& qmp, uint32_t count);

// The host thread of each vCPU (query-cpus-fast).
Result<std::vector<pid_t>> VcpuThreadIds(QmpClient& qmp);

// Adds `mib` of guest memory as DIMM `id`: a memory backend (memfd, shared
// with vhost-user daemons when `shared`: virtiofsd maps all guest memory),
// then a pc-dimm on it; the backend goes again if the DIMM fails.
Result<> PlugMemory(QmpClient& qmp, const std::string& id, uint32_t mib, bool shared);

}  // namespace vc::hypervisor::qemu

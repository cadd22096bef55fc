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

// Where a hot-plugged disk goes: a virtio-blk disk into PCIe root port
// `port`; a virtio-scsi disk onto the controller at `scsi_target`, LUN 0.
struct DiskSlot {
  std::string port;
  uint32_t scsi_target = 0;
};

// Passes the disk's descriptor to QEMU in a new fd set (add-fd), adds its
// block node on it (blockdev-add) and the device (device_add); returns the fd
// set's id. On failure, what was added is taken back.
Result<int64_t> PlugBlock(QmpClient& qmp, const BlockDevice& disk, const DiskSlot& slot);

// device_del, waits for the guest to let the disk go (DEVICE_DELETED), then
// removes its block node (blockdev-del) and fd set `fdset` (remove-fd; -1: none).
Result<> UnplugBlock(QmpClient& qmp, const std::string& id, int64_t fdset, std::chrono::milliseconds timeout);

// Adds the VFIO device in PCIe root port `port` (device_add): QEMU opens the
// function's IOMMU group, which must be bound to vfio-pci.
Result<> PlugVfio(QmpClient& qmp, const VfioDevice& device, const std::string& port);

// device_del, and waits for the guest to let the device go (DEVICE_DELETED).
Result<> UnplugVfio(QmpClient& qmp, const std::string& id, std::chrono::milliseconds timeout);

// Gives disk `id`'s block node a new size (block_resize): QEMU extends an
// image file; a host block device cannot grow this way.
Result<> ResizeBlock(QmpClient& qmp, const std::string& id, uint64_t bytes);

// The device's PCI path from the root bus, as the guest finds it: each
// bridge's slot, then the device's, two hex digits each ("02/00": slot 2 of
// bus 0 is a root port, the device is in slot 0 behind it). From query-pci.
Result<std::string> PciPath(QmpClient& qmp, const std::string& id);

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

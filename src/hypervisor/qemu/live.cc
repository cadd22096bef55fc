// What the running VM is asked (QemuHypervisor): devices plugged and
// unplugged over QMP, where a device sits, a disk grown, the VM grown by
// vCPUs and DIMMs, its vCPU threads.
#include "hypervisor/qemu/qemu.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <random>
#include <thread>
#include "hypervisor/qemu/accel.h"
#include "hypervisor/qemu/argv.h"
#include "hypervisor/qemu/assets.h"
#include "hypervisor/qemu/hotplug.h"
#include "hypervisor/qemu/qmp.h"
#include "hypervisor/qemu/snapshot.h"
#include "os/error.h"
#include "os/file.h"
#include "os/process.h"
#include "os/socket.h"

namespace vc::hypervisor::qemu {

using namespace std::chrono_literals;

std::string QemuHypervisor::FreePort() const {
  for (uint32_t i = 0; i < root_ports_; ++i) {
    std::string candidate = RootPortId(i);
    bool taken = false;
    for (const auto& [id, p] : port_of_) taken = taken || p == candidate;
    if (!taken) return candidate;
  }
  return "";
}

Result<> QemuHypervisor::HotPlug(const Device& device) {
  if (const auto* disk = std::get_if<BlockDevice>(&device)) return PlugDisk(*disk);
  const auto* nic = std::get_if<NetDevice>(&device);
  const auto* vfio = std::get_if<VfioDevice>(&device);
  if (!nic && !vfio) return Hypervisor::HotPlug(device);
  if (auto alive = CheckAlive(); !alive) return alive;
  const std::string what = std::string(KindOf(device)) + " device " + DeviceId(device);
  if (machine_ == "microvm")
    return Fail(ErrorCode::kFailedPrecondition,
                what + " cannot be added to a running microvm VM, which has no PCI hot-plug: " +
                    (nic ? "give the sandbox its interfaces before it starts, or use machine_type q35"
                         : "use machine_type q35"));
  const std::string port = FreePort();
  if (port.empty())
    return Fail(ErrorCode::kFailedPrecondition,
                "no free PCIe slot for " + what + ": the VM has " + std::to_string(root_ports_) +
                    ", shared by hot-plugged NICs, virtio-blk disks and VFIO devices (hypervisor.pcie_root_ports)");
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  if (vfio) {
    if (auto r = PlugVfio(*qmp, *vfio, port); !r) return r;
  } else {
    NetDevice plugged = *nic;
    if (rootless_uid_) plugged.vhost = false;  // as at boot
    if (auto r = PlugNet(*qmp, plugged, port); !r) return r;
  }
  port_of_[DeviceId(device)] = port;
  return {};
}

// A SCSI disk needs the controller (there from boot) and a free target; a
// virtio-blk disk a free root port, which microvm does not have.
Result<> QemuHypervisor::PlugDisk(const BlockDevice& disk) {
  if (auto alive = CheckAlive(); !alive) return alive;
  DiskSlot slot;
  if (disk.driver == kVirtioScsi) {
    if (!scsi_controller_)
      return Fail(ErrorCode::kFailedPrecondition,
                  "disk " + disk.id + " needs the VM's SCSI controller, which it has only when started with "
                  "hypervisor.block_device_driver = \"virtio-scsi\"");
    while (std::any_of(scsi_target_.begin(), scsi_target_.end(),
                       [&](const auto& t) { return t.second == slot.scsi_target; }))
      ++slot.scsi_target;
    if (slot.scsi_target > kMaxScsiTarget)
      return Fail(ErrorCode::kFailedPrecondition, "the SCSI controller has no free target for disk " + disk.id);
  } else if (disk.driver == kVirtioBlk) {
    if (machine_ == "microvm")
      return Fail(ErrorCode::kFailedPrecondition,
                  "virtio-blk disk " + disk.id + " cannot be added to a running microvm VM, which has no PCI "
                  "hot-plug: use hypervisor.block_device_driver = \"virtio-scsi\"");
    slot.port = FreePort();
    if (slot.port.empty())
      return Fail(ErrorCode::kFailedPrecondition,
                  "no free PCIe slot for disk " + disk.id + ": the VM has " + std::to_string(root_ports_) +
                      ", shared by hot-plugged NICs, virtio-blk disks and VFIO devices (hypervisor.pcie_root_ports)");
  } else {
    return Fail(ErrorCode::kInvalidArgument, "unknown disk driver '" + disk.driver + "': virtio-blk or virtio-scsi");
  }
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  auto fdset = PlugBlock(*qmp, disk, slot);
  if (!fdset) return std::unexpected(fdset.error());
  fdset_of_[disk.id] = *fdset;
  if (disk.driver == kVirtioScsi) scsi_target_[disk.id] = slot.scsi_target;
  else port_of_[disk.id] = slot.port;
  return {};
}

Result<> QemuHypervisor::HotUnplug(const Device& device) {
  const bool disk = std::holds_alternative<BlockDevice>(device);
  const bool vfio = std::holds_alternative<VfioDevice>(device);
  if (!disk && !vfio && !std::holds_alternative<NetDevice>(device)) return Hypervisor::HotUnplug(device);
  if (auto alive = CheckAlive(); !alive) return alive;
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  const std::string& id = DeviceId(device);
  // The guest's PCIe hot-plug driver waits 5 s after the attention button.
  if (disk) {
    auto fdset = fdset_of_.find(id);
    if (auto r = UnplugBlock(*qmp, id, fdset == fdset_of_.end() ? -1 : fdset->second, 30s); !r) return r;
    fdset_of_.erase(id);
    scsi_target_.erase(id);
  } else if (vfio) {
    if (auto r = UnplugVfio(*qmp, id, 30s); !r) return r;
  } else if (auto r = UnplugNet(*qmp, id, 30s); !r) {
    return r;
  }
  port_of_.erase(id);
  return {};
}

Result<std::string> QemuHypervisor::DeviceAddress(const std::string& id) {
  const BlockDevice* disk = nullptr;
  bool vfio = false;
  for (const auto& device : devices()) {
    if (const auto* d = std::get_if<BlockDevice>(&device); d && d->id == id) disk = d;
    if (const auto* d = std::get_if<VfioDevice>(&device); d && d->id == id) vfio = true;
  }
  if (!disk && !vfio) return Fail(ErrorCode::kNotFound, "the VM has no disk or VFIO device " + id);
  if (disk && disk->driver == kVirtioScsi) {
    auto target = scsi_target_.find(id);
    if (target == scsi_target_.end()) return Fail(ErrorCode::kInternal, "disk " + id + " has no SCSI target");
    return std::to_string(target->second) + ":0";
  }
  if (disk && machine_ == "microvm")
    return Fail(ErrorCode::kUnimplemented,
                "a virtio-blk disk on microvm has no PCI address for the guest to find it by: use "
                "hypervisor.block_device_driver = \"virtio-scsi\"");
  if (auto alive = CheckAlive(); !alive) return std::unexpected(alive.error());
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  return PciPath(*qmp, id);
}

Result<> QemuHypervisor::ResizeDisk(const std::string& id, uint64_t bytes) {
  if (auto alive = CheckAlive(); !alive) return alive;
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  return ResizeBlock(*qmp, id, bytes);
}

Result<VmSize> QemuHypervisor::Grow(const VmSize& want) {
  if (auto alive = CheckAlive(); !alive) return std::unexpected(alive.error());
  const uint32_t vcpus = std::min(want.vcpus, max_size_.vcpus);
  // Whole DIMMs, no more than the ceiling leaves room for, while a slot is free.
  const uint32_t missing = want.memory_mib > size_.memory_mib ? want.memory_mib - size_.memory_mib : 0;
  const uint32_t room = (max_size_.memory_mib - size_.memory_mib) / kDimmMib * kDimmMib;
  const uint32_t add_mib = dimms_ < memory_slots_ ? std::min((missing + kDimmMib - 1) / kDimmMib * kDimmMib, room) : 0;
  if (vcpus <= size_.vcpus && add_mib == 0) return size_;
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  if (vcpus > size_.vcpus) {
    auto plugged = PlugCpus(*qmp, vcpus);
    if (!plugged) return std::unexpected(plugged.error());
    size_.vcpus = *plugged;
  }
  if (add_mib > 0) {
    if (auto r = PlugMemory(*qmp, "dimm" + std::to_string(dimms_), add_mib, shared_memory_); !r)
      return std::unexpected(r.error());
    ++dimms_;
    size_.memory_mib += add_mib;
  }
  return size_;
}

Result<std::vector<pid_t>> QemuHypervisor::VcpuThreads() {
  if (auto alive = CheckAlive(); !alive) return std::unexpected(alive.error());
  auto qmp = QmpClient::Connect(qmp_socket_, kQmpTimeout);
  if (!qmp) return std::unexpected(qmp.error());
  return VcpuThreadIds(*qmp);
}

}  // namespace vc::hypervisor::qemu

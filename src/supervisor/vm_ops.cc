// What the control API asks of the running VM (control.cc), on the
// supervisor's worker: NICs, disks, VFIO groups, more vCPUs and memory.
#include "supervisor/supervisor_internal.h"

namespace vc::supervisor {

using namespace std::chrono_literals;

Result<agent::GuestNetwork> Supervisor::AddInterface(const std::string& name) {
  auto added = resources_->AddNetworkInterface(name);
  if (!added) return std::unexpected(added.error());
  if (auto plugged = hypervisor_->AddDevice(added->device); !plugged) {
    (void)resources_->RemoveNetworkInterface(name);
    return std::unexpected(plugged.error());
  }
  log::Info("interface " + name + " hot-plugged as " + added->device.id);
  return added->guest;
}

Result<hypervisor::VmSize> Supervisor::GrowVm(const hypervisor::VmSize& want) {
  auto size = hypervisor_->Grow(want);
  if (!size) return size;
  log::Info("VM size " + std::to_string(size->vcpus) + " vCPUs, " + std::to_string(size->memory_mib) + " MiB");
  if (auto placed = PlaceVcpuThreads(); !placed) return std::unexpected(placed.error());
  return size;
}

Result<> Supervisor::PlaceVcpuThreads() {
  if (!resources_->PlacesVcpuThreads()) return {};
  auto threads = hypervisor_->VcpuThreads();
  if (!threads) return std::unexpected(threads.error().Wrap("vCPU threads"));
  return resources_->PlaceVcpuThreads(*threads);
}

Result<AttachedDisk> Supervisor::AddDisk(const std::string& path, bool read_only, bool raw) {
  auto opened = resource::OpenDisk(path, read_only, raw);
  if (!opened) return std::unexpected(opened.error());
  const std::string id = "disk" + std::to_string(next_disk_++);
  const std::string& driver = spec_.hypervisor.block_device_driver;
  if (auto plugged = hypervisor_->AddDevice(resource::DeviceOf(id, path, *opened, read_only, driver)); !plugged)
    return std::unexpected(plugged.error());
  auto address = hypervisor_->DeviceAddress(id);
  if (!address) {
    (void)hypervisor_->RemoveDevice(id);
    return std::unexpected(address.error().Wrap("attach " + path));
  }
  log::Info("disk " + path + " hot-plugged as " + id + " (" + driver + " " + *address + ")");
  return AttachedDisk{id, driver, *address, opened->fstype};
}

Result<> Supervisor::RemoveDisk(const std::string& id) {
  if (auto r = hypervisor_->RemoveDevice(id); !r) return r;
  log::Info("disk " + id + " hot-unplugged");
  return {};
}

Result<> Supervisor::ResizeDisk(const std::string& path, uint64_t bytes) {
  const hypervisor::BlockDevice* disk = nullptr;
  for (const auto& device : hypervisor_->devices())
    if (const auto* d = std::get_if<hypervisor::BlockDevice>(&device); d && d->path == path) disk = d;
  if (!disk) return Fail(ErrorCode::kNotFound, "the VM has no disk " + path);
  if (disk->read_only) return Fail(ErrorCode::kFailedPrecondition, "disk " + path + " is attached read-only");
  auto size = resource::DiskSize(path);
  if (!size) return std::unexpected(size.error());
  if (bytes < *size)
    return Fail(ErrorCode::kInvalidArgument, "disk " + path + " has " + std::to_string(*size) +
                                                 " bytes: a volume grows, it is not shrunk");
  if (auto r = hypervisor_->ResizeDisk(disk->id, bytes); !r) return r;
  log::Info("disk " + path + " (" + disk->id + ") resized to " + std::to_string(bytes) + " bytes");
  return {};
}

Result<std::vector<std::string>> Supervisor::AddVfioGroup(const std::string& group) {
  if (auto known = vfio_.find(group); known != vfio_.end()) {
    ++known->second.users;
    return known->second.addresses;
  }
  auto devices = resources_->AddVfioGroup(group);
  if (!devices) return std::unexpected(devices.error());
  VfioUse use;
  auto undo = [&] {
    for (auto id = use.ids.rbegin(); id != use.ids.rend(); ++id) (void)hypervisor_->RemoveDevice(*id);
    if (auto released = resources_->RemoveVfioGroup(group); !released) log::Warn(released.error().message);
  };
  for (const auto& device : *devices) {
    if (auto plugged = hypervisor_->AddDevice(device); !plugged) {
      undo();
      return std::unexpected(plugged.error());
    }
    use.ids.push_back(device.id);
    auto address = hypervisor_->DeviceAddress(device.id);
    if (!address) {
      undo();
      return std::unexpected(address.error().Wrap("pass PCI device " + device.address + " through"));
    }
    use.addresses.push_back(*address);
    log::Info("PCI device " + device.address + " (IOMMU group " + group + ") hot-plugged as " + device.id + " at " +
              *address);
  }
  vfio_[group] = use;
  return use.addresses;
}

Result<> Supervisor::RemoveVfioGroup(const std::string& group) {
  auto use = vfio_.find(group);
  if (use == vfio_.end()) return Fail(ErrorCode::kNotFound, "the VM has no IOMMU group " + group);
  if (--use->second.users > 0) return {};
  for (auto& ids = use->second.ids; !ids.empty(); ids.pop_back())
    if (auto r = hypervisor_->RemoveDevice(ids.back()); !r) {
      ++use->second.users;
      return r;
    }
  vfio_.erase(use);
  log::Info("IOMMU group " + group + " hot-unplugged");
  return resources_->RemoveVfioGroup(group);
}

Result<> Supervisor::RemoveInterface(const std::string& name) {
  auto id = resources_->NetworkDeviceIdOf(name);
  if (!id) return std::unexpected(id.error());
  if (auto r = hypervisor_->RemoveDevice(*id); !r) return r;
  log::Info("interface " + name + " (" + *id + ") hot-unplugged");
  return resources_->RemoveNetworkInterface(name);
}

}  // namespace vc::supervisor

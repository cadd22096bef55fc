// Device bookkeeping shared by every backend: the cold list before boot,
// the hot path after.
#include "hypervisor/hypervisor.h"

#include <algorithm>

namespace vc::hypervisor {

Result<> Hypervisor::AddDevice(const Device& device) {
  const std::string& id = DeviceId(device);
  if (id.empty()) return Fail(ErrorCode::kInvalidArgument, std::string(KindOf(device)) + " device has no id");
  for (const auto& d : devices_)
    if (DeviceId(d) == id)
      return Fail(ErrorCode::kAlreadyExists, "a device with id " + id + " is already attached");
  if (Running())
    if (auto r = HotPlug(device); !r) return r;
  devices_.push_back(device);
  return {};
}

Result<> Hypervisor::RemoveDevice(const std::string& id) {
  auto it = std::find_if(devices_.begin(), devices_.end(),
                         [&](const Device& d) { return DeviceId(d) == id; });
  if (it == devices_.end()) return Fail(ErrorCode::kNotFound, "no device with id " + id);
  if (Running())
    if (auto r = HotUnplug(*it); !r) return r;
  devices_.erase(it);
  return {};
}

Result<> Hypervisor::HotPlug(const Device& device) {
  return Fail(ErrorCode::kUnimplemented, Name() + " cannot hot-plug a " + KindOf(device) +
                                             " device (" + DeviceId(device) + ") into a running VM");
}

Result<VmSize> Hypervisor::Grow(const VmSize&) {
  return Fail(ErrorCode::kUnimplemented, Name() + " cannot grow a running VM");
}

Result<std::vector<pid_t>> Hypervisor::VcpuThreads() {
  return Fail(ErrorCode::kUnimplemented, Name() + " cannot tell its vCPU threads");
}

Result<> Hypervisor::SaveState(const std::string&) {
  return Fail(ErrorCode::kUnimplemented, Name() + " cannot save a VM's state");
}

Result<std::string> Hypervisor::DeviceAddress(const std::string& id) {
  return Fail(ErrorCode::kUnimplemented, Name() + " cannot tell where the guest finds device " + id);
}

Result<> Hypervisor::ResizeDisk(const std::string& id, uint64_t) {
  return Fail(ErrorCode::kUnimplemented, Name() + " cannot resize disk " + id);
}

Result<> Hypervisor::HotUnplug(const Device& device) {
  return Fail(ErrorCode::kUnimplemented, Name() + " cannot hot-unplug the " + KindOf(device) +
                                             " device " + DeviceId(device) + " from a running VM");
}

}  // namespace vc::hypervisor

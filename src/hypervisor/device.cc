#include "hypervisor/device.h"

namespace vc::hypervisor {

namespace {

template <typename T> constexpr const char* kKind = nullptr;
template <> constexpr const char* kKind<ConsoleDevice> = "console";
template <> constexpr const char* kKind<SerialPortDevice> = "serial port";
template <> constexpr const char* kKind<ShareFsDevice> = "share-fs";
template <> constexpr const char* kKind<Share9pDevice> = "9p share";
template <> constexpr const char* kKind<VsockDevice> = "vsock";
template <> constexpr const char* kKind<NetDevice> = "network";
template <> constexpr const char* kKind<BlockDevice> = "block";
template <> constexpr const char* kKind<VfioDevice> = "VFIO";

}  // namespace

const std::string& DeviceId(const Device& device) {
  return std::visit([](const auto& d) -> const std::string& { return d.id; }, device);
}

const char* KindOf(const Device& device) {
  return std::visit([](const auto& d) { return kKind<std::decay_t<decltype(d)>>; }, device);
}

}  // namespace vc::hypervisor

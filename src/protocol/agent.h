// Wire constants of the host–guest agent protocol. The host (library,
// supervisor) and the guest agent include this one header, so the two ends
// cannot disagree.
#pragma once

#include <cstdint>

namespace vc::agent {

// The ttRPC service name of proto/agent.proto.
inline constexpr const char* kServiceName = "vc.agent.v1.AgentService";
// AF_VSOCK port the agent listens on when the VM has a vsock device.
inline constexpr uint32_t kVsockPort = 1024;
// Name of the virtio-serial port that carries the agent channel otherwise
// (the guest finds it in /sys/class/virtio-ports/*/name).
inline constexpr const char* kSerialPortName = "agent.0";
// virtio-fs tag of the sandbox's shared directory, and where the guest mounts it.
inline constexpr const char* kShareTag = "vcshared";
inline constexpr const char* kGuestShareDir = "/run/vc/shared";
// Where the guest mounts containers' disks: <dir>/<container id>/root, ...
inline constexpr const char* kGuestDiskDir = "/run/vc/disks";

}  // namespace vc::agent

// Which channel the host uses to reach the agent.
#pragma once

#include <cstdint>
#include <string>

#include "vc/result.h"

namespace vc::agent {

enum class Transport { kSerial, kVsock };

// `requested`: "auto" (vsock when the host can reach guests over AF_VSOCK,
// i.e. /dev/vhost-vsock is usable; virtio-serial otherwise), "serial" or "vsock".
Result<Transport> ChooseTransport(const std::string& requested, bool vhost_vsock_usable);

// True if /dev/vhost-vsock can be opened for reading and writing.
bool VhostVsockUsable();

}  // namespace vc::agent

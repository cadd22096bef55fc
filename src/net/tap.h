// Tap devices, handed to the hypervisor as open file descriptors.
#pragma once

#include <string>
#include <vector>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::net {

// Opens tap `name` in the calling thread's network namespace, creating it if
// it does not exist: `queues` descriptors (a multiqueue tap when more than
// one), with virtio-net headers. A tap created here is not persistent: it
// disappears when the last descriptor closes (in us or in the hypervisor).
Result<std::vector<os::Fd>> OpenTap(const std::string& name, uint32_t queues);

// True when /dev/vhost-net can be opened (in-kernel virtio-net backend).
bool VhostNetUsable();

}  // namespace vc::net

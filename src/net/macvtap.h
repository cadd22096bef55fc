// macvtap devices for the macvtap model: a macvtap in passthru mode takes
// over its lower interface (all its frames, its MAC); the hypervisor reads
// and writes them through the macvtap's character device.
#pragma once

#include <string>
#include <vector>

#include "net/netlink.h"
#include "os/fd.h"

namespace vc::net {

// Creates macvtap `name` on interface `lower_index` in the calling thread's
// network namespace and sets it up; its ifindex.
Result<int> AddMacvtap(Netlink& nl, const std::string& name, int lower_index);

// Opens macvtap `name` (ifindex `index`, in the calling thread's network
// namespace) `queues` times. Its /dev node is found through a sysfs mounted
// for that namespace in a private mount namespace of a helper thread, so
// nothing shows on the host.
Result<std::vector<os::Fd>> OpenMacvtap(const std::string& name, int index, uint32_t queues);

}  // namespace vc::net

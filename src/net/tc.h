// Traffic control for the tcfilter model: everything that arrives on one
// interface leaves through another (an ingress qdisc with a match-all u32
// filter whose mirred action redirects to the other's egress).
#pragma once

#include "net/netlink.h"

namespace vc::net {

Result<> RedirectIngress(Netlink& nl, int from_index, int to_index);
Result<bool> HasIngressQdisc(Netlink& nl, int index);
// Removes the ingress qdisc and with it its filters; absent is fine.
Result<> RemoveIngressQdisc(Netlink& nl, int index);

}  // namespace vc::net

// The network types of the public API as agent protobuf messages and back:
// the one translation both ends use (the library's agent client and the
// guest agent's service).
#pragma once

#include <vector>

#include "agent.pb.h"
#include "vc/types.h"

namespace vc::agent {

v1::Interface ToMessage(const NetInterface& iface);
NetInterface FromMessage(const v1::Interface& m);
v1::Interfaces ToMessage(const std::vector<NetInterface>& ifaces);
std::vector<NetInterface> FromMessage(const v1::Interfaces& m);
v1::Routes ToMessage(const std::vector<NetRoute>& routes);
std::vector<NetRoute> FromMessage(const v1::Routes& m);
v1::Neighbors ToMessage(const std::vector<NetNeighbor>& neighbors);
std::vector<NetNeighbor> FromMessage(const v1::Neighbors& m);

}  // namespace vc::agent

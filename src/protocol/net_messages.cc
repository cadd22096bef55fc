#include "protocol/net_messages.h"

namespace vc::agent {

v1::Interface ToMessage(const NetInterface& iface) {
  v1::Interface m;
  m.set_name(iface.name);
  m.set_mac(iface.mac);
  m.set_mtu(iface.mtu);
  for (const auto& a : iface.addresses) m.add_addresses(a);
  return m;
}

NetInterface FromMessage(const v1::Interface& m) {
  return {m.name(), m.mac(), m.mtu(), {m.addresses().begin(), m.addresses().end()}};
}

v1::Interfaces ToMessage(const std::vector<NetInterface>& ifaces) {
  v1::Interfaces m;
  for (const auto& i : ifaces) *m.add_interfaces() = ToMessage(i);
  return m;
}

std::vector<NetInterface> FromMessage(const v1::Interfaces& m) {
  std::vector<NetInterface> out;
  for (const auto& i : m.interfaces()) out.push_back(FromMessage(i));
  return out;
}

v1::Routes ToMessage(const std::vector<NetRoute>& routes) {
  v1::Routes m;
  for (const auto& r : routes) {
    auto* route = m.add_routes();
    route->set_destination(r.destination);
    route->set_gateway(r.gateway);
    route->set_device(r.device);
    route->set_source(r.source);
    route->set_scope(r.scope);
    route->set_family(r.family);
  }
  return m;
}

std::vector<NetRoute> FromMessage(const v1::Routes& m) {
  std::vector<NetRoute> out;
  for (const auto& r : m.routes())
    out.push_back({r.destination(), r.gateway(), r.device(), r.source(), r.scope(), r.family()});
  return out;
}

v1::Neighbors ToMessage(const std::vector<NetNeighbor>& neighbors) {
  v1::Neighbors m;
  for (const auto& n : neighbors) {
    auto* neighbor = m.add_neighbors();
    neighbor->set_address(n.address);
    neighbor->set_mac(n.mac);
    neighbor->set_device(n.device);
  }
  return m;
}

std::vector<NetNeighbor> FromMessage(const v1::Neighbors& m) {
  std::vector<NetNeighbor> out;
  for (const auto& n : m.neighbors()) out.push_back({n.address(), n.mac(), n.device()});
  return out;
}

}  // namespace vc::agent

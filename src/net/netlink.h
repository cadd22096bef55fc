// Links, addresses, routes and neighbours of one network namespace, over
// rtnetlink (libnl-route). The same code reads a pod's namespace on the host
// and configures the guest's interfaces in the agent.
//
// A Netlink talks to the network namespace of the thread that opened it
// (net::InNetns runs code in another one). Not thread-safe: one user at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vc/result.h"
#include "vc/types.h"

struct nl_sock;

namespace vc::net {

struct Link {
  int index = 0;
  std::string name;
  std::string kind;  // rtnetlink's kind: "veth", "macvlan", "tun", "bridge", ...; "" for a physical NIC
  std::string mac;
  uint32_t mtu = 0;
  bool up = false;
  bool loopback = false;
  int master = 0;  // ifindex of the bridge or bond it is enslaved to; 0: none
};

struct LinkChange {
  std::optional<std::string> name = std::nullopt;  // the link must be down to be renamed
  std::optional<uint32_t> mtu = std::nullopt;
  std::optional<std::string> mac = std::nullopt;
  std::optional<bool> up = std::nullopt;
};

class Netlink {
 public:
  // A route socket in the calling thread's network namespace.
  static Result<Netlink> Open();

  Netlink(Netlink&&) noexcept;
  Netlink& operator=(Netlink&&) noexcept;
  ~Netlink();

  Result<std::vector<Link>> Links();
  Result<Link> LinkByName(const std::string& name);
  // Global and site addresses of a link, as CIDR (link-local IPv6 left out:
  // every kernel makes its own).
  Result<std::vector<std::string>> Addresses(int index);
  // Unicast routes of the main table that the kernel did not add itself for
  // an address, with device names.
  Result<std::vector<NetRoute>> Routes();
  // Permanent (static) neighbour entries.
  Result<std::vector<NetNeighbor>> Neighbors();

  Result<> SetLink(int index, const LinkChange& change);
  Result<> DeleteLink(int index);
  // Adding an address the link already has succeeds.
  Result<> AddAddress(int index, const std::string& cidr);
  // Creates the route, or replaces the one with the same destination.
  Result<> ReplaceRoute(const NetRoute& route);
  Result<> ReplaceNeighbor(const NetNeighbor& neighbor);

  nl_sock* socket() const { return sock_; }

 private:
  explicit Netlink(nl_sock* sock) : sock_(sock) {}
  Result<int> IndexOf(const std::string& device);

  nl_sock* sock_ = nullptr;
};

// The checks of the text the calls above read (MACs, addresses, prefixes,
// families, names), without changing anything: for a caller that checks a
// whole batch before it applies the first entry.
Result<> CheckInterface(const NetInterface& iface);
Result<> CheckRoute(const NetRoute& route);
Result<> CheckNeighbor(const NetNeighbor& neighbor);

// "<what>: <libnl's message>", with a code from libnl's error number
// (negative, as libnl returns it).
Error NetlinkError(const std::string& what, int err);

}  // namespace vc::net

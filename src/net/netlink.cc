#include "net/netlink.h"

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <cstring>
#include <utility>

namespace vc::net {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { if (p) Free(p); }
};
using Cache = std::unique_ptr<nl_cache, Deleter<nl_cache, nl_cache_free>>;
using Addr = std::unique_ptr<nl_addr, Deleter<nl_addr, nl_addr_put>>;
using LinkObj = std::unique_ptr<rtnl_link, Deleter<rtnl_link, rtnl_link_put>>;
using AddrObj = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr, rtnl_addr_put>>;
using RouteObj = std::unique_ptr<rtnl_route, Deleter<rtnl_route, rtnl_route_put>>;
using NeighObj = std::unique_ptr<rtnl_neigh, Deleter<rtnl_neigh, rtnl_neigh_put>>;

// Iterates the objects of a cache as their own type.
template <typename T, typename F>
void ForEach(nl_cache* cache, F&& f) {
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) f(reinterpret_cast<T*>(o));
}

// An IP address without its prefix length, or a MAC address.
std::string Text(nl_addr* addr) {
  if (!addr) return "";
  char buf[INET6_ADDRSTRLEN];
  int family = nl_addr_get_family(addr);
  if (family == AF_INET || family == AF_INET6) {
    if (!inet_ntop(family, nl_addr_get_binary_addr(addr), buf, sizeof buf)) return "";
    return buf;
  }
  char mac[64];
  return nl_addr2str(addr, mac, sizeof mac);
}

std::string Cidr(nl_addr* addr) {
  return Text(addr) + "/" + std::to_string(nl_addr_get_prefixlen(addr));
}

// A MAC address: six octets.
Result<Addr> ParseMac(const std::string& text, const char* what) {
  nl_addr* out = nullptr;
  if (int err = nl_addr_parse(text.c_str(), AF_LLC, &out); err < 0)
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " '" + text + "': " + nl_geterror(err));
  Addr mac(out);
  if (nl_addr_get_len(mac.get()) != 6 || text.size() != std::strlen(text.c_str()))
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " '" + text + "': not six octets");
  return mac;
}

// A numeric IPv4 or IPv6 address with an optional "/prefix" ("" is the
// whole address; "default" is the zero network). `family` 0: either.
Result<Addr> ParseIp(const std::string& text, int family, const char* what) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " '" + text + "': " + why);
  };
  if (text == "default") {
    const int f = family ? family : AF_INET;
    unsigned char zero[16] = {};
    Addr a(nl_addr_build(f, zero, f == AF_INET ? 4 : 16));
    nl_addr_set_prefixlen(a.get(), 0);
    return a;
  }
  const size_t slash = text.find('/');
  const std::string ip = text.substr(0, slash);
  unsigned char bytes[16];
  int f = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (family && family != f) return bad("not an address of the route's family");
  if (inet_pton(f, ip.c_str(), bytes) != 1) return bad("not an IP address");
  const int bits = f == AF_INET ? 32 : 128;
  int prefix = bits;
  if (slash != std::string::npos) {
    const std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return bad("bad prefix length");
    prefix = std::stoi(p);
    if (prefix > bits) return bad("prefix length over " + std::to_string(bits));
  }
  Addr a(nl_addr_build(f, bytes, bits / 8));
  nl_addr_set_prefixlen(a.get(), prefix);
  return a;
}

// The family of a route: given, or that of its first address; IPv4 when it
// has none.
int RouteFamily(const NetRoute& route) {
  if (route.family) return route.family;
  for (const auto* text : {&route.destination, &route.gateway, &route.source})
    if (!text->empty()) return text->find(':') == std::string::npos ? AF_INET : AF_INET6;
  return AF_INET;
}

// `cache` is read after `err` is computed: pass the address the call fills.
Result<Cache> Alloc(int err, nl_cache* const* cache, const char* what) {
  if (err < 0) return std::unexpected(NetlinkError(std::string("list ") + what, err));
  return Cache(*cache);
}

}  // namespace

Error NetlinkError(const std::string& what, int err) {
  ErrorCode code = ErrorCode::kInternal;
  switch (-err) {
    case NLE_EXIST: code = ErrorCode::kAlreadyExists; break;
    case NLE_OBJ_NOTFOUND: case NLE_NODEV: code = ErrorCode::kNotFound; break;
    case NLE_INVAL: case NLE_RANGE: case NLE_AF_NOSUPPORT: code = ErrorCode::kInvalidArgument; break;
    case NLE_PERM: code = ErrorCode::kFailedPrecondition; break;
    default: break;
  }
  return Error{code, what + ": " + nl_geterror(err)};
}

Result<Netlink> Netlink::Open() {
  nl_sock* sock = nl_socket_alloc();
  if (!sock) return Fail(ErrorCode::kInternal, "netlink socket: out of memory");
  if (int err = nl_connect(sock, NETLINK_ROUTE); err < 0) {
    nl_socket_free(sock);
    return std::unexpected(NetlinkError("connect to rtnetlink", err));
  }
  return Netlink(sock);
}

Netlink::Netlink(Netlink&& other) noexcept : sock_(std::exchange(other.sock_, nullptr)) {}

Netlink& Netlink::operator=(Netlink&& other) noexcept {
  if (this != &other) {
    if (sock_) nl_socket_free(sock_);
    sock_ = std::exchange(other.sock_, nullptr);
  }
  return *this;
}

Netlink::~Netlink() {
  if (sock_) nl_socket_free(sock_);
}

Result<std::vector<Link>> Netlink::Links() {
  nl_cache* raw = nullptr;
  auto cache = Alloc(rtnl_link_alloc_cache(sock_, AF_UNSPEC, &raw), &raw, "links");
  if (!cache) return std::unexpected(cache.error());
  std::vector<Link> out;
  ForEach<rtnl_link>(cache->get(), [&](rtnl_link* l) {
    Link link;
    link.index = rtnl_link_get_ifindex(l);
    link.name = rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "";
    link.kind = rtnl_link_get_type(l) ? rtnl_link_get_type(l) : "";
    link.mac = Text(rtnl_link_get_addr(l));
    link.mtu = rtnl_link_get_mtu(l);
    link.up = rtnl_link_get_flags(l) & IFF_UP;
    link.loopback = rtnl_link_get_flags(l) & IFF_LOOPBACK;
    link.master = rtnl_link_get_master(l);
    out.push_back(std::move(link));
  });
  return out;
}

Result<Link> Netlink::LinkByName(const std::string& name) {
  auto links = Links();
  if (!links) return std::unexpected(links.error());
  for (auto& l : *links)
    if (l.name == name) return std::move(l);
  return Fail(ErrorCode::kNotFound, "no network interface " + name);
}

Result<int> Netlink::IndexOf(const std::string& device) {
  auto link = LinkByName(device);
  if (!link) return std::unexpected(link.error());
  return link->index;
}

Result<std::vector<std::string>> Netlink::Addresses(int index) {
  nl_cache* raw = nullptr;
  auto cache = Alloc(rtnl_addr_alloc_cache(sock_, &raw), &raw, "addresses");
  if (!cache) return std::unexpected(cache.error());
  std::vector<std::string> out;
  ForEach<rtnl_addr>(cache->get(), [&](rtnl_addr* a) {
    if (rtnl_addr_get_ifindex(a) != index) return;
    if (rtnl_addr_get_scope(a) >= RT_SCOPE_LINK) return;
    if (nl_addr* local = rtnl_addr_get_local(a)) out.push_back(Cidr(local));
  });
  return out;
}

Result<std::vector<NetRoute>> Netlink::Routes() {
  auto links = Links();
  if (!links) return std::unexpected(links.error());
  auto name_of = [&](int index) {
    for (const auto& l : *links)
      if (l.index == index) return l.name;
    return std::string();
  };
  nl_cache* raw = nullptr;
  auto cache = Alloc(rtnl_route_alloc_cache(sock_, AF_UNSPEC, 0, &raw), &raw, "routes");
  if (!cache) return std::unexpected(cache.error());
  std::vector<NetRoute> out;
  ForEach<rtnl_route>(cache->get(), [&](rtnl_route* r) {
    if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST) return;
    if (rtnl_route_get_protocol(r) == RTPROT_KERNEL) return;
    if (rtnl_route_get_nnexthops(r) < 1) return;
    rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
    NetRoute route;
    route.family = rtnl_route_get_family(r);
    nl_addr* dst = rtnl_route_get_dst(r);
    if (dst && nl_addr_get_prefixlen(dst) > 0) route.destination = Cidr(dst);
    route.gateway = Text(rtnl_route_nh_get_gateway(nh));
    route.device = name_of(rtnl_route_nh_get_ifindex(nh));
    route.source = Text(rtnl_route_get_pref_src(r));
    route.scope = rtnl_route_get_scope(r);
    out.push_back(std::move(route));
  });
  return out;
}

Result<std::vector<NetNeighbor>> Netlink::Neighbors() {
  auto links = Links();
  if (!links) return std::unexpected(links.error());
  nl_cache* raw = nullptr;
  auto cache = Alloc(rtnl_neigh_alloc_cache(sock_, &raw), &raw, "neighbours");
  if (!cache) return std::unexpected(cache.error());
  std::vector<NetNeighbor> out;
  ForEach<rtnl_neigh>(cache->get(), [&](rtnl_neigh* n) {
    if (!(rtnl_neigh_get_state(n) & NUD_PERMANENT) || !rtnl_neigh_get_lladdr(n)) return;
    int family = rtnl_neigh_get_family(n);
    if (family != AF_INET && family != AF_INET6) return;
    NetNeighbor neighbor{Text(rtnl_neigh_get_dst(n)), Text(rtnl_neigh_get_lladdr(n)), ""};
    for (const auto& l : *links)
      if (l.index == rtnl_neigh_get_ifindex(n)) neighbor.device = l.name;
    out.push_back(std::move(neighbor));
  });
  return out;
}

Result<> Netlink::SetLink(int index, const LinkChange& change) {
  rtnl_link* raw = nullptr;
  if (int err = rtnl_link_get_kernel(sock_, index, nullptr, &raw); err < 0)
    return std::unexpected(NetlinkError("interface " + std::to_string(index), err));
  LinkObj orig(raw);
  LinkObj want(rtnl_link_alloc());
  if (change.name) rtnl_link_set_name(want.get(), change.name->c_str());
  if (change.mtu) rtnl_link_set_mtu(want.get(), *change.mtu);
  Addr mac;
  if (change.mac) {
    auto parsed = ParseMac(*change.mac, "MAC address");
    if (!parsed) return std::unexpected(parsed.error());
    mac = std::move(*parsed);
    rtnl_link_set_addr(want.get(), mac.get());
  }
  if (change.up) {
    if (*change.up) rtnl_link_set_flags(want.get(), IFF_UP);
    else rtnl_link_unset_flags(want.get(), IFF_UP);
  }
  if (int err = rtnl_link_change(sock_, orig.get(), want.get(), 0); err < 0)
    return std::unexpected(NetlinkError(std::string("change interface ") + rtnl_link_get_name(orig.get()), err));
  return {};
}

Result<> Netlink::DeleteLink(int index) {
  LinkObj link(rtnl_link_alloc());
  rtnl_link_set_ifindex(link.get(), index);
  if (int err = rtnl_link_delete(sock_, link.get()); err < 0)
    return std::unexpected(NetlinkError("delete interface " + std::to_string(index), err));
  return {};
}

Result<> Netlink::AddAddress(int index, const std::string& cidr) {
  auto local = ParseIp(cidr, 0, "address");
  if (!local) return std::unexpected(local.error());
  AddrObj addr(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(addr.get(), index);
  rtnl_addr_set_local(addr.get(), local->get());
  // A broadcast address, as `ip addr add ... brd +` would set.
  Addr broadcast;
  if (nl_addr_get_family(local->get()) == AF_INET && nl_addr_get_prefixlen(local->get()) < 31) {
    broadcast.reset(nl_addr_clone(local->get()));
    auto* bytes = static_cast<uint8_t*>(nl_addr_get_binary_addr(broadcast.get()));
    uint32_t host_bits = 32 - nl_addr_get_prefixlen(local->get());
    uint32_t value = ntohl(*reinterpret_cast<uint32_t*>(bytes)) | ((1u << host_bits) - 1);
    value = htonl(value);
    std::memcpy(bytes, &value, 4);
    nl_addr_set_prefixlen(broadcast.get(), 32);
    rtnl_addr_set_broadcast(addr.get(), broadcast.get());
  }
  int err = rtnl_addr_add(sock_, addr.get(), 0);
  if (err < 0 && err != -NLE_EXIST) return std::unexpected(NetlinkError("add address " + cidr, err));
  return {};
}

Result<> Netlink::ReplaceRoute(const NetRoute& route) {
  if (auto ok = CheckRoute(route); !ok) return ok;
  const int family = RouteFamily(route);
  const std::string what = "route " + (route.destination.empty() ? "default" : route.destination);
  RouteObj r(rtnl_route_alloc());
  rtnl_route_set_family(r.get(), family);
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  rtnl_route_set_type(r.get(), RTN_UNICAST);
  rtnl_route_set_protocol(r.get(), RTPROT_BOOT);
  uint32_t scope = route.scope;
  if (!scope && route.gateway.empty()) scope = RT_SCOPE_LINK;  // as `ip route add` picks
  rtnl_route_set_scope(r.get(), static_cast<uint8_t>(scope));
  auto dst = ParseIp(route.destination.empty() ? "default" : route.destination, family, "route destination");
  if (!dst) return std::unexpected(dst.error());
  rtnl_route_set_dst(r.get(), dst->get());
  Addr src;
  if (!route.source.empty()) {
    auto parsed = ParseIp(route.source, family, "route source");
    if (!parsed) return std::unexpected(parsed.error());
    src = std::move(*parsed);
    rtnl_route_set_pref_src(r.get(), src.get());
  }
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  rtnl_route_add_nexthop(r.get(), nh);  // the route owns it from here
  if (!route.device.empty()) {
    auto index = IndexOf(route.device);
    if (!index) return std::unexpected(index.error().Wrap(what));
    rtnl_route_nh_set_ifindex(nh, *index);
  }
  Addr gw;
  if (!route.gateway.empty()) {
    auto parsed = ParseIp(route.gateway, family, "route gateway");
    if (!parsed) return std::unexpected(parsed.error());
    gw = std::move(*parsed);
    rtnl_route_nh_set_gateway(nh, gw.get());
  }
  if (int err = rtnl_route_add(sock_, r.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0)
    return std::unexpected(NetlinkError(what, err));
  return {};
}

Result<> Netlink::ReplaceNeighbor(const NetNeighbor& neighbor) {
  auto index = IndexOf(neighbor.device);
  if (!index) return std::unexpected(index.error().Wrap("neighbour " + neighbor.address));
  auto dst = ParseIp(neighbor.address, 0, "neighbour address");
  if (!dst) return std::unexpected(dst.error());
  auto mac = ParseMac(neighbor.mac, "neighbour MAC address");
  if (!mac) return std::unexpected(mac.error());
  NeighObj n(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(n.get(), *index);
  rtnl_neigh_set_dst(n.get(), dst->get());
  rtnl_neigh_set_lladdr(n.get(), mac->get());
  rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
  if (int err = rtnl_neigh_add(sock_, n.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0)
    return std::unexpected(NetlinkError("neighbour " + neighbor.address, err));
  return {};
}

Result<> CheckInterface(const NetInterface& iface) {
  if (iface.name.size() >= IFNAMSIZ || iface.name.find_first_of("/: \t\n") != std::string::npos)
    return Fail(ErrorCode::kInvalidArgument, "interface name '" + iface.name + "': not a valid name for a link");
  if (auto mac = ParseMac(iface.mac, "interface MAC address"); !mac) return std::unexpected(mac.error());
  for (const auto& cidr : iface.addresses)
    if (auto ip = ParseIp(cidr, 0, "interface address"); !ip) return std::unexpected(ip.error());
  return {};
}

Result<> CheckRoute(const NetRoute& route) {
  const int family = RouteFamily(route);
  if (family != AF_INET && family != AF_INET6)
    return Fail(ErrorCode::kInvalidArgument, "route family " + std::to_string(family) + ": neither IPv4 nor IPv6");
  if (route.scope > 255)
    return Fail(ErrorCode::kInvalidArgument, "route scope " + std::to_string(route.scope) + ": over 255");
  if (auto dst = ParseIp(route.destination.empty() ? "default" : route.destination, family, "route destination"); !dst)
    return std::unexpected(dst.error());
  for (const auto& [text, what] : {std::pair{&route.source, "route source"}, {&route.gateway, "route gateway"}})
    if (!text->empty())
      if (auto ip = ParseIp(*text, family, what); !ip) return std::unexpected(ip.error());
  return {};
}

Result<> CheckNeighbor(const NetNeighbor& neighbor) {
  if (neighbor.device.empty()) return Fail(ErrorCode::kInvalidArgument, "neighbour " + neighbor.address + ": no device");
  if (auto dst = ParseIp(neighbor.address, 0, "neighbour address"); !dst) return std::unexpected(dst.error());
  if (auto mac = ParseMac(neighbor.mac, "neighbour MAC address"); !mac) return std::unexpected(mac.error());
  return {};
}

}  // namespace vc::net

#include "network.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "init.h"
#include "net/netlink.h"
#include "os/file.h"

namespace vc::agent {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Result<NetInterface> Describe(net::Netlink& nl, const net::Link& link) {
  auto addresses = nl.Addresses(link.index);
  if (!addresses) return std::unexpected(addresses.error());
  return NetInterface{link.name, link.mac, link.mtu, *addresses};
}

}  // namespace

namespace {
std::vector<std::string> net_modules;  // the agent's one thread only
bool net_modules_loaded = false;
}  // namespace

void KeepNetModules(std::vector<std::string> images) { net_modules = std::move(images); }

bool HasVirtioNet() {
  std::error_code ec;
  for (const auto& dev : std::filesystem::directory_iterator("/sys/bus/pci/devices", ec)) {
    auto vendor = os::ReadFile(dev.path().string() + "/vendor");
    auto device = os::ReadFile(dev.path().string() + "/device");
    if (!vendor || !device || !vendor->starts_with("0x1af4")) continue;
    // Transitional and modern virtio-net.
    if (device->starts_with("0x1000") || device->starts_with("0x1041")) return true;
  }
  return false;
}

Result<> LoadNetModules() {
  if (net_modules_loaded) return {};
  if (auto r = LoadModuleImages(net_modules); !r) return std::unexpected(r.error().Wrap("virtio-net driver"));
  net_modules_loaded = true;
  net_modules.clear();
  net_modules.shrink_to_fit();
  return {};
}

Result<> BringUpLoopback() {
  auto nl = net::Netlink::Open();
  if (!nl) return std::unexpected(nl.error());
  auto lo = nl->LinkByName("lo");
  if (!lo) return std::unexpected(lo.error());
  return nl->SetLink(lo->index, {.up = true});
}

Result<NetInterface> ConfigureInterface(const NetInterface& want) {
  if (auto ok = net::CheckInterface(want); !ok) return std::unexpected(ok.error());
  auto nl = net::Netlink::Open();
  if (!nl) return std::unexpected(nl.error());
  auto links = nl->Links();
  if (!links) return std::unexpected(links.error());
  auto it = std::find_if(links->begin(), links->end(),
                         [&](const net::Link& l) { return Lower(l.mac) == Lower(want.mac); });
  if (it == links->end()) return Fail(ErrorCode::kNotFound, "no guest interface has MAC " + want.mac);
  net::Link link = *it;
  const std::string what = "interface " + want.mac;
  // A name can only change while the link is down.
  if (!want.name.empty() && want.name != link.name) {
    if (auto r = nl->SetLink(link.index, {.up = false}); !r) return std::unexpected(r.error().Wrap(what));
    if (auto r = nl->SetLink(link.index, {.name = want.name}); !r) return std::unexpected(r.error().Wrap(what));
    link.name = want.name;
  }
  if (want.mtu)
    if (auto r = nl->SetLink(link.index, {.mtu = want.mtu}); !r) return std::unexpected(r.error().Wrap(what));
  if (auto r = nl->SetLink(link.index, {.up = true}); !r) return std::unexpected(r.error().Wrap(what));
  for (const auto& cidr : want.addresses)
    if (auto r = nl->AddAddress(link.index, cidr); !r) return std::unexpected(r.error().Wrap(what));
  if (want.mtu) link.mtu = want.mtu;
  return Describe(*nl, link);
}

// Routes without a gateway first: a gateway must be reachable when its route
// is added.
Result<> AddRoutes(const std::vector<NetRoute>& routes) {
  for (const auto& r : routes)
    if (auto ok = net::CheckRoute(r); !ok) return ok;
  auto nl = net::Netlink::Open();
  if (!nl) return std::unexpected(nl.error());
  std::vector<NetRoute> ordered = routes;
  std::stable_partition(ordered.begin(), ordered.end(), [](const NetRoute& r) { return r.gateway.empty(); });
  for (const auto& r : ordered)
    if (auto ok = nl->ReplaceRoute(r); !ok) return ok;
  return {};
}

Result<> AddNeighbors(const std::vector<NetNeighbor>& neighbors) {
  for (const auto& n : neighbors)
    if (auto ok = net::CheckNeighbor(n); !ok) return ok;
  auto nl = net::Netlink::Open();
  if (!nl) return std::unexpected(nl.error());
  for (const auto& n : neighbors)
    if (auto ok = nl->ReplaceNeighbor(n); !ok) return ok;
  return {};
}

Result<std::vector<NetInterface>> ListInterfaces() {
  auto nl = net::Netlink::Open();
  if (!nl) return std::unexpected(nl.error());
  auto links = nl->Links();
  if (!links) return std::unexpected(links.error());
  std::vector<NetInterface> out;
  for (const auto& link : *links) {
    if (link.loopback) continue;
    auto iface = Describe(*nl, link);
    if (!iface) return std::unexpected(iface.error());
    out.push_back(std::move(*iface));
  }
  return out;
}

Result<std::vector<NetRoute>> ListRoutes() {
  auto nl = net::Netlink::Open();
  if (!nl) return std::unexpected(nl.error());
  return nl->Routes();
}

}  // namespace vc::agent

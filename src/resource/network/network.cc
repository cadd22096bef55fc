#include "resource/network/network.h"

#include <algorithm>

#include "net/json.h"
#include "net/netns.h"
#include "net/tap.h"

namespace vc::resource {

namespace {

constexpr const char* kNone = "none";

bool KnownModel(const std::string& model) { return model == "tcfilter" || model == "macvtap" || model == kNone; }

// A tap or macvtap this runtime made for an endpoint is not a pod interface.
bool OurTap(const net::Link& link) {
  return (link.kind == "tun" || link.kind == "macvtap") && link.name.ends_with("_vc");
}

}  // namespace

Result<> CheckNetworkConfig(const NetworkConfig& config) {
  if (!KnownModel(config.model))
    return Fail(ErrorCode::kInvalidArgument,
                "unknown network model '" + config.model + "' (known: tcfilter, macvtap, none)");
  if (!config.netns_path.empty())
    if (auto netns = net::OpenNetns(config.netns_path); !netns) return std::unexpected(netns.error());
  return {};
}

Result<std::unique_ptr<Network>> Network::New(const NetworkConfig& config, uint32_t queues) {
  if (auto r = CheckNetworkConfig(config); !r) return std::unexpected(r.error());
  std::unique_ptr<Network> n(new Network());
  n->config_ = config;
  n->queues_ = std::max(queues, 1u);
  return n;
}

Result<std::unique_ptr<Network>> Network::Restore(const nlohmann::json& state) {
  std::unique_ptr<Network> n(new Network());
  n->config_ = state.value("config", NetworkConfig{});
  n->queues_ = state.value("queues", 1u);
  n->next_position_ = state.value("next_position", size_t{0});
  for (const auto& e : state.value("endpoints", nlohmann::json::array())) {
    auto endpoint = RestoreEndpoint(e);
    if (!endpoint) return std::unexpected(endpoint.error());
    n->endpoints_.push_back(std::move(*endpoint));
  }
  return n;
}

nlohmann::json Network::Save() const {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& e : endpoints_) endpoints.push_back(e->Save());
  return {{"config", config_}, {"queues", queues_}, {"next_position", next_position_}, {"endpoints", endpoints}};
}

template <typename F>
auto Network::InNamespace(F&& fn) -> decltype(fn(std::declval<net::Netlink&>())) {
  auto netns = net::OpenNetns(config_.netns_path);
  if (!netns) return std::unexpected(netns.error());
  return net::InNetns(netns->get(), [&]() -> decltype(fn(std::declval<net::Netlink&>())) {
    auto nl = net::Netlink::Open();
    if (!nl) return std::unexpected(nl.error());
    return fn(*nl);
  });
}

Result<std::vector<hypervisor::Device>> Network::Setup(const std::function<Result<>()>& checkpoint) {
  if (config_.netns_path.empty() || config_.model == kNone) return std::vector<hypervisor::Device>{};
  return InNamespace([&](net::Netlink& nl) {
    auto devices = SetupInside(nl, checkpoint);
    if (!devices)
      for (auto& e : endpoints_) e->Cleanup(nl);
    return devices;
  });
}

Result<agent::GuestNetwork> Network::RoutesOf(net::Netlink& nl, const std::vector<std::string>& devices) {
  auto through = [&](const std::string& device) {
    return std::find(devices.begin(), devices.end(), device) != devices.end();
  };
  agent::GuestNetwork out;
  auto routes = nl.Routes();
  if (!routes) return std::unexpected(routes.error());
  for (auto& r : *routes)
    if (through(r.device)) out.routes.push_back(std::move(r));
  auto neighbors = nl.Neighbors();
  if (!neighbors) return std::unexpected(neighbors.error());
  for (auto& n : *neighbors)
    if (through(n.device)) out.neighbors.push_back(std::move(n));
  return out;
}

Result<std::vector<hypervisor::Device>> Network::SetupInside(net::Netlink& nl,
                                                            const std::function<Result<>()>& checkpoint) {
  auto links = nl.Links();
  if (!links) return std::unexpected(links.error());
  EndpointOptions options{config_.model, 0, queues_, net::VhostNetUsable()};
  for (const auto& link : *links) {
    if (link.loopback || OurTap(link)) continue;
    options.position = next_position_;
    auto endpoint = NewEndpoint(link, options);
    if (!endpoint) return std::unexpected(endpoint.error());
    endpoints_.push_back(std::move(*endpoint));
    ++next_position_;
  }
  if (auto r = checkpoint(); !r) return std::unexpected(r.error());

  std::vector<hypervisor::Device> devices;
  std::vector<std::string> names;
  guest_ = {};
  for (auto& e : endpoints_) {
    auto device = e->Setup(nl, checkpoint);
    if (!device) return std::unexpected(device.error());
    devices.push_back(*device);
    const net::Link& link = e->Link();
    auto addresses = nl.Addresses(link.index);
    if (!addresses) return std::unexpected(addresses.error());
    guest_.interfaces.push_back({link.name, link.mac, link.mtu, *addresses});
    names.push_back(link.name);
  }
  auto routes = RoutesOf(nl, names);
  if (!routes) return std::unexpected(routes.error());
  guest_.routes = std::move(routes->routes);
  guest_.neighbors = std::move(routes->neighbors);
  if (auto r = checkpoint(); !r) return std::unexpected(r.error());
  return devices;
}

Result<Network::Added> Network::Add(const std::string& name, const std::function<Result<>()>& checkpoint) {
  if (config_.netns_path.empty())
    return Fail(ErrorCode::kFailedPrecondition, "the sandbox has no network namespace to take " + name + " from");
  if (config_.model == kNone)
    return Fail(ErrorCode::kFailedPrecondition, "the sandbox's network model is none: it has no NICs");
  for (const auto& e : endpoints_)
    if (e->Link().name == name) return Fail(ErrorCode::kAlreadyExists, "interface " + name + " is already connected");
  return InNamespace([&](net::Netlink& nl) { return AddInside(nl, name, checkpoint); });
}

Result<Network::Added> Network::AddInside(net::Netlink& nl, const std::string& name,
                                          const std::function<Result<>()>& checkpoint) {
  auto link = nl.LinkByName(name);
  if (!link) return std::unexpected(link.error().Wrap("network namespace " + config_.netns_path));
  if (link->loopback || OurTap(*link))
    return Fail(ErrorCode::kInvalidArgument, "interface " + name + " is not a pod interface");
  EndpointOptions options{config_.model, next_position_, queues_, net::VhostNetUsable()};
  auto endpoint = NewEndpoint(*link, options);
  if (!endpoint) return std::unexpected(endpoint.error());
  ++next_position_;
  endpoints_.push_back(std::move(*endpoint));
  Endpoint& e = *endpoints_.back();
  auto undo = [&](const Error& error) -> Result<Added> {
    e.Cleanup(nl);
    endpoints_.pop_back();
    (void)checkpoint();
    return std::unexpected(error);
  };
  if (auto r = checkpoint(); !r) return undo(r.error());
  auto device = e.Setup(nl, checkpoint);
  if (!device) return undo(device.error());
  auto addresses = nl.Addresses(link->index);
  if (!addresses) return undo(addresses.error());
  auto guest = RoutesOf(nl, {name});
  if (!guest) return undo(guest.error());
  guest->interfaces.push_back({link->name, link->mac, link->mtu, *addresses});
  return Added{*device, std::move(*guest)};
}

Result<std::string> Network::DeviceIdOf(const std::string& name) const {
  for (const auto& e : endpoints_)
    if (e->Link().name == name) return e->DeviceId();
  return Fail(ErrorCode::kNotFound, "interface " + name + " is not connected to the sandbox");
}

Result<> Network::Remove(const std::string& name, const std::function<Result<>()>& checkpoint) {
  auto it = std::find_if(endpoints_.begin(), endpoints_.end(), [&](const auto& e) { return e->Link().name == name; });
  if (it == endpoints_.end()) return Fail(ErrorCode::kNotFound, "interface " + name + " is not connected to the sandbox");
  auto cleaned = InNamespace([&](net::Netlink& nl) -> Result<> {
    (*it)->Cleanup(nl);
    return {};
  });
  endpoints_.erase(it);
  if (auto r = checkpoint(); !r) return r;
  // A namespace that is gone took what the endpoint had added with it.
  if (!cleaned && cleaned.error().code != ErrorCode::kNotFound) return cleaned;
  return {};
}

void Network::Cleanup() {
  if (endpoints_.empty()) return;
  (void)InNamespace([&](net::Netlink& nl) -> Result<> {
    for (auto& e : endpoints_) e->Cleanup(nl);
    return {};
  });
  endpoints_.clear();
}

}  // namespace vc::resource

#include "resource/network/network.h"

#include <algorithm>

#include "net/json.h"
#include "net/netns.h"
#include "net/tap.h"

namespace vc::resource {

namespace {

constexpr const char* kNone = "none";

bool KnownModel(const std::string& model) { return model == "tcfilter" || model == "macvtap" || model == kNone; }

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
  return {{"config", config_}, {"endpoints", endpoints}};
}

Result<std::vector<hypervisor::Device>> Network::Setup(const std::function<Result<>()>& checkpoint) {
  if (config_.netns_path.empty() || config_.model == kNone) return std::vector<hypervisor::Device>{};
  auto netns = net::OpenNetns(config_.netns_path);
  if (!netns) return std::unexpected(netns.error());
  return net::InNetns(netns->get(), [&]() -> Result<std::vector<hypervisor::Device>> {
    auto nl = net::Netlink::Open();
    if (!nl) return std::unexpected(nl.error());
    auto devices = SetupInside(*nl, checkpoint);
    if (!devices)
      for (auto& e : endpoints_) e->Cleanup(*nl);
    return devices;
  });
}

Result<std::vector<hypervisor::Device>> Network::SetupInside(net::Netlink& nl,
                                                            const std::function<Result<>()>& checkpoint) {
  auto links = nl.Links();
  if (!links) return std::unexpected(links.error());
  EndpointOptions options{config_.model, 0, queues_, net::VhostNetUsable()};
  for (const auto& link : *links) {
    if (link.loopback) continue;
    // A tap this runtime made for an earlier endpoint is not a pod interface.
    if (link.kind == "tun" && link.name.ends_with("_vc")) continue;
    auto endpoint = NewEndpoint(link, options);
    if (!endpoint) return std::unexpected(endpoint.error());
    endpoints_.push_back(std::move(*endpoint));
    ++options.position;
  }
  if (auto r = checkpoint(); !r) return std::unexpected(r.error());

  std::vector<hypervisor::Device> devices;
  guest_ = {};
  for (auto& e : endpoints_) {
    auto device = e->Setup(nl, checkpoint);
    if (!device) return std::unexpected(device.error());
    devices.push_back(*device);
    const net::Link& link = e->Link();
    auto addresses = nl.Addresses(link.index);
    if (!addresses) return std::unexpected(addresses.error());
    guest_.interfaces.push_back({link.name, link.mac, link.mtu, *addresses});
  }
  auto connected = [&](const std::string& device) {
    return std::any_of(endpoints_.begin(), endpoints_.end(),
                       [&](const auto& e) { return e->Link().name == device; });
  };
  auto routes = nl.Routes();
  if (!routes) return std::unexpected(routes.error());
  for (auto& r : *routes)
    if (connected(r.device)) guest_.routes.push_back(std::move(r));
  auto neighbors = nl.Neighbors();
  if (!neighbors) return std::unexpected(neighbors.error());
  for (auto& n : *neighbors)
    if (connected(n.device)) guest_.neighbors.push_back(std::move(n));
  if (auto r = checkpoint(); !r) return std::unexpected(r.error());
  return devices;
}

void Network::Cleanup() {
  if (endpoints_.empty()) return;
  auto netns = net::OpenNetns(config_.netns_path);
  if (netns) {
    (void)net::InNetns(netns->get(), [&]() -> Result<> {
      auto nl = net::Netlink::Open();
      if (!nl) return std::unexpected(nl.error());
      for (auto& e : endpoints_) e->Cleanup(*nl);
      return {};
    });
  }
  endpoints_.clear();
}

}  // namespace vc::resource

#include "resource/network/tap_endpoint.h"

#include "net/tap.h"

namespace vc::resource {

TapEndpoint::TapEndpoint(net::Link link, const EndpointOptions& options)
    : link_(std::move(link)), device_id_("net" + std::to_string(options.position)), vhost_(options.vhost) {}

Result<std::unique_ptr<Endpoint>> TapEndpoint::Restore(const nlohmann::json& state) {
  std::unique_ptr<TapEndpoint> e(new TapEndpoint());
  e->link_ = LoadLink(state.value("link", nlohmann::json::object()));
  e->device_id_ = state.value("device_id", std::string());
  e->vhost_ = state.value("vhost", false);
  return e;
}

nlohmann::json TapEndpoint::Save() const {
  return {{"model", kModel}, {"link", SaveLink(link_)}, {"device_id", device_id_}, {"vhost", vhost_}};
}

// A tap someone else made keeps its own queue setting: one queue.
Result<hypervisor::NetDevice> TapEndpoint::Setup(net::Netlink&, const std::function<Result<>()>&) {
  auto fds = net::OpenTap(link_.name, 1);
  if (!fds) return std::unexpected(fds.error().Wrap("interface " + link_.name));
  fds_ = std::move(*fds);
  return hypervisor::NetDevice{device_id_, {fds_.front().get()}, link_.mac, vhost_};
}

void TapEndpoint::Cleanup(net::Netlink&) { fds_.clear(); }

}  // namespace vc::resource

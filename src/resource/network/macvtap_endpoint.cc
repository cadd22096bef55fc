#include "resource/network/macvtap_endpoint.h"

#include "net/macvtap.h"

namespace vc::resource {

MacvtapEndpoint::MacvtapEndpoint(net::Link link, const EndpointOptions& options)
    : link_(std::move(link)),
      device_id_("net" + std::to_string(options.position)),
      macvtap_name_("mvt" + std::to_string(options.position) + "_vc"),
      queues_(options.queues),
      vhost_(options.vhost) {}

Result<std::unique_ptr<Endpoint>> MacvtapEndpoint::Restore(const nlohmann::json& state) {
  std::unique_ptr<MacvtapEndpoint> e(new MacvtapEndpoint());
  e->link_ = LoadLink(state.value("link", nlohmann::json::object()));
  e->device_id_ = state.value("device_id", std::string());
  e->macvtap_name_ = state.value("macvtap", std::string());
  e->queues_ = state.value("queues", 1u);
  e->vhost_ = state.value("vhost", false);
  return e;
}

nlohmann::json MacvtapEndpoint::Save() const {
  return {{"model", kModel}, {"link", SaveLink(link_)}, {"device_id", device_id_}, {"macvtap", macvtap_name_},
          {"queues", queues_}, {"vhost", vhost_}};
}

Result<hypervisor::NetDevice> MacvtapEndpoint::Setup(net::Netlink& nl, const std::function<Result<>()>& checkpoint) {
  const std::string what = "interface " + link_.name;
  if (nl.LinkByName(macvtap_name_))
    return Fail(ErrorCode::kAlreadyExists, what + ": a link named " + macvtap_name_ + " is in the way of its macvtap");
  if (auto r = checkpoint(); !r) return std::unexpected(r.error());
  auto index = net::AddMacvtap(nl, macvtap_name_, link_.index);
  if (!index) return std::unexpected(index.error().Wrap(what));
  auto fds = net::OpenMacvtap(macvtap_name_, *index, queues_);
  if (!fds) return std::unexpected(fds.error().Wrap(what));
  fds_ = std::move(*fds);
  hypervisor::NetDevice device{device_id_, {}, link_.mac, vhost_};
  for (const auto& fd : fds_) device.fds.push_back(fd.get());
  return device;
}

void MacvtapEndpoint::Cleanup(net::Netlink& nl) {
  fds_.clear();
  if (auto link = nl.LinkByName(macvtap_name_); link && link->kind == "macvtap") (void)nl.DeleteLink(link->index);
}

}  // namespace vc::resource

#include "resource/network/tc_filter_endpoint.h"

#include "net/tap.h"
#include "net/tc.h"

namespace vc::resource {

TcFilterEndpoint::TcFilterEndpoint(net::Link link, const EndpointOptions& options)
    : link_(std::move(link)),
      device_id_("net" + std::to_string(options.position)),
      tap_name_("tap" + std::to_string(options.position) + "_vc"),
      queues_(options.queues),
      vhost_(options.vhost) {}

Result<std::unique_ptr<Endpoint>> TcFilterEndpoint::Restore(const nlohmann::json& state) {
  std::unique_ptr<TcFilterEndpoint> e(new TcFilterEndpoint());
  e->link_ = LoadLink(state.value("link", nlohmann::json::object()));
  e->device_id_ = state.value("device_id", std::string());
  e->tap_name_ = state.value("tap", std::string());
  e->queues_ = state.value("queues", 1u);
  e->vhost_ = state.value("vhost", false);
  e->redirected_ = state.value("redirected", false);
  return e;
}

nlohmann::json TcFilterEndpoint::Save() const {
  return {{"model", kModel}, {"link", SaveLink(link_)}, {"device_id", device_id_}, {"tap", tap_name_},
          {"queues", queues_}, {"vhost", vhost_}, {"redirected", redirected_}};
}

Result<hypervisor::NetDevice> TcFilterEndpoint::Setup(net::Netlink& nl,
                                                      const std::function<Result<>()>& checkpoint) {
  const std::string what = "interface " + link_.name;
  auto taken = net::HasIngressQdisc(nl, link_.index);
  if (!taken) return std::unexpected(taken.error().Wrap(what));
  if (*taken)
    return Fail(ErrorCode::kFailedPrecondition,
                what + " already has an ingress qdisc; the tcfilter model needs its own");
  if (nl.LinkByName(tap_name_))
    return Fail(ErrorCode::kAlreadyExists, what + ": a link named " + tap_name_ + " is in the way of its tap");

  auto fds = net::OpenTap(tap_name_, queues_);
  if (!fds) return std::unexpected(fds.error().Wrap(what));
  fds_ = std::move(*fds);
  auto tap = nl.LinkByName(tap_name_);
  if (!tap) return std::unexpected(tap.error().Wrap(what));
  if (auto r = nl.SetLink(tap->index, {.mtu = link_.mtu, .up = true}); !r)
    return std::unexpected(r.error().Wrap(what));

  redirected_ = true;
  if (auto r = checkpoint(); !r) return std::unexpected(r.error());
  if (auto r = net::RedirectIngress(nl, link_.index, tap->index); !r) return std::unexpected(r.error().Wrap(what));
  if (auto r = net::RedirectIngress(nl, tap->index, link_.index); !r) return std::unexpected(r.error().Wrap(what));

  hypervisor::NetDevice device{device_id_, {}, link_.mac, vhost_};
  for (const auto& fd : fds_) device.fds.push_back(fd.get());
  return device;
}

void TcFilterEndpoint::Cleanup(net::Netlink& nl) {
  fds_.clear();
  if (redirected_) {
    // By name and index both: an index may have been reused by now.
    if (auto link = nl.LinkByName(link_.name); link && link->index == link_.index)
      (void)net::RemoveIngressQdisc(nl, link_.index);
    redirected_ = false;
  }
  if (auto tap = nl.LinkByName(tap_name_); tap && tap->kind == "tun") (void)nl.DeleteLink(tap->index);
}

}  // namespace vc::resource

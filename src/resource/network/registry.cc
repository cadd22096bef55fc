// The one place that maps an interface and a model to an endpoint variant.
#include "resource/network/endpoint.h"
#include "resource/network/macvtap_endpoint.h"
#include "resource/network/tap_endpoint.h"
#include "resource/network/tc_filter_endpoint.h"

namespace vc::resource {

Result<std::unique_ptr<Endpoint>> NewEndpoint(const net::Link& link, const EndpointOptions& options) {
  const std::string what = "interface " + link.name + " (kind " + (link.kind.empty() ? "physical" : link.kind) + ")";
  if (link.kind == "tun") return std::make_unique<TapEndpoint>(link, options);
  if (link.kind != "veth" && link.kind != "macvlan" && !link.kind.empty())
    return Fail(ErrorCode::kInvalidArgument,
                what + " cannot be connected to a VM: supported kinds are veth, macvlan, tap and physical");
  if (options.model == TcFilterEndpoint::kModel) return std::make_unique<TcFilterEndpoint>(link, options);
  if (options.model == MacvtapEndpoint::kModel) return std::make_unique<MacvtapEndpoint>(link, options);
  return Fail(ErrorCode::kInvalidArgument,
              "unknown network model '" + options.model + "' (known: tcfilter, macvtap, none)");
}

Result<std::unique_ptr<Endpoint>> RestoreEndpoint(const nlohmann::json& state) {
  std::string model = state.value("model", std::string());
  if (model == TcFilterEndpoint::kModel) return TcFilterEndpoint::Restore(state);
  if (model == TapEndpoint::kModel) return TapEndpoint::Restore(state);
  if (model == MacvtapEndpoint::kModel) return MacvtapEndpoint::Restore(state);
  return Fail(ErrorCode::kInternal, "saved network endpoint has unknown model '" + model + "'");
}

nlohmann::json SaveLink(const net::Link& link) {
  return {{"index", link.index}, {"name", link.name}, {"kind", link.kind}, {"mac", link.mac}, {"mtu", link.mtu}};
}

net::Link LoadLink(const nlohmann::json& j) {
  net::Link link;
  link.index = j.value("index", 0);
  link.name = j.value("name", std::string());
  link.kind = j.value("kind", std::string());
  link.mac = j.value("mac", std::string());
  link.mtu = j.value("mtu", 0u);
  return link;
}

}  // namespace vc::resource

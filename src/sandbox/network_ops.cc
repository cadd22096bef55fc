// The sandbox's network as the guest has it: configuring it at start, and
// reading it back.
#include "sandbox/manager.h"

namespace vc {

Result<> ConfigureGuestNetwork(agent::Agent& agent, const agent::GuestNetwork& network) {
  for (const auto& iface : network.interfaces)
    if (auto r = agent.UpdateInterface(iface); !r) return std::unexpected(r.error().Wrap("guest interface " + iface.name));
  if (!network.neighbors.empty())
    if (auto r = agent.AddNeighbors(network.neighbors); !r) return std::unexpected(r.error().Wrap("guest neighbours"));
  if (!network.routes.empty())
    if (auto r = agent.UpdateRoutes(network.routes); !r) return std::unexpected(r.error().Wrap("guest routes"));
  return {};
}

template <typename T>
Result<T> Manager::WithGuest(const std::string& sid, const std::function<Result<T>(agent::Agent&)>& fn) {
  return WithSandbox<T>(sid, [&](SandboxRecord& r) -> Result<T> {
    Refresh(sid, r);
    if (r.state != SandboxState::kRunning && r.state != SandboxState::kPaused)
      return Fail(ErrorCode::kFailedPrecondition, "sandbox " + sid + " is not running");
    auto agent = backend_->Connect(sid);
    if (!agent) return std::unexpected(agent.error());
    return fn(**agent);
  });
}

Result<std::vector<NetInterface>> Manager::ListInterfaces(const std::string& sid) {
  return WithGuest<std::vector<NetInterface>>(sid, [](agent::Agent& a) { return a.ListInterfaces(); });
}

Result<std::vector<NetRoute>> Manager::ListRoutes(const std::string& sid) {
  return WithGuest<std::vector<NetRoute>>(sid, [](agent::Agent& a) { return a.ListRoutes(); });
}

}  // namespace vc

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

Result<NetInterface> Manager::AddInterface(const std::string& sid, const std::string& name) {
  return WithGuest<NetInterface>(sid, [&](agent::Agent& a) -> Result<NetInterface> {
    auto added = backend_->AddInterface(sid, name);
    if (!added) return std::unexpected(added.error());
    if (added->interfaces.empty()) return Fail(ErrorCode::kInternal, "the supervisor returned no interface for " + name);
    auto configured = a.UpdateInterface(added->interfaces[0]);
    Result<> rest = configured ? ConfigureGuestNetwork(a, {{}, added->routes, added->neighbors})
                               : Result<>(std::unexpected(configured.error()));
    if (!rest) {
      (void)backend_->RemoveInterface(sid, name);
      return std::unexpected(rest.error().Wrap("guest interface " + name));
    }
    return configured;
  });
}

Result<> Manager::RemoveInterface(const std::string& sid, const std::string& name) {
  return WithGuest<void>(sid, [&](agent::Agent&) { return backend_->RemoveInterface(sid, name); });
}

Result<std::vector<NetRoute>> Manager::UpdateRoutes(const std::string& sid, const std::vector<NetRoute>& routes) {
  return WithGuest<std::vector<NetRoute>>(sid, [&](agent::Agent& a) -> Result<std::vector<NetRoute>> {
    if (auto r = a.UpdateRoutes(routes); !r) return std::unexpected(r.error());
    return a.ListRoutes();
  });
}

Result<std::vector<NetInterface>> Manager::ListInterfaces(const std::string& sid) {
  return WithGuest<std::vector<NetInterface>>(sid, [](agent::Agent& a) { return a.ListInterfaces(); });
}

Result<std::vector<NetRoute>> Manager::ListRoutes(const std::string& sid) {
  return WithGuest<std::vector<NetRoute>>(sid, [](agent::Agent& a) { return a.ListRoutes(); });
}

}  // namespace vc

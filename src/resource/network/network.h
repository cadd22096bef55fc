// A sandbox's network: the pod's network namespace (the source of truth, as
// in Kata), scanned over netlink; one endpoint per interface in it, and what
// the guest must configure to take the pod's addresses over.
// Not thread-safe: callers serialize.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/agent.h"
#include "hypervisor/device.h"
#include "resource/network/endpoint.h"
#include "vc/types.h"

namespace vc::resource {

// A known model, and a path that names a network namespace (if any).
Result<> CheckNetworkConfig(const NetworkConfig& config);

class Network {
 public:
  // `queues`: per NIC (the VM's vCPUs).
  static Result<std::unique_ptr<Network>> New(const NetworkConfig& config, uint32_t queues);
  static Result<std::unique_ptr<Network>> Restore(const nlohmann::json& state);

  // Scans the namespace, connects each interface, and returns the NICs.
  Result<std::vector<hypervisor::Device>> Setup(const std::function<Result<>()>& checkpoint);
  const agent::GuestNetwork& Guest() const { return guest_; }

  // A running sandbox gains the pod interface `name` (added to the namespace
  // after boot, e.g. by a second CNI ADD): its NIC, and what the guest
  // configures for it (the interface, its routes and neighbours).
  struct Added {
    hypervisor::NetDevice device;
    agent::GuestNetwork guest;
  };
  Result<Added> Add(const std::string& name, const std::function<Result<>()>& checkpoint);
  // The NIC id of pod interface `name`; kNotFound if it is not connected.
  Result<std::string> DeviceIdOf(const std::string& name) const;
  // Disconnects pod interface `name` (its NIC already taken out of the VM).
  Result<> Remove(const std::string& name, const std::function<Result<>()>& checkpoint);
  // Undoes Setup in the namespace; nothing to do if the namespace is gone.
  void Cleanup();
  nlohmann::json Save() const;

 private:
  Network() = default;
  Result<std::vector<hypervisor::Device>> SetupInside(net::Netlink& nl, const std::function<Result<>()>& checkpoint);
  Result<Added> AddInside(net::Netlink& nl, const std::string& name, const std::function<Result<>()>& checkpoint);
  // Routes and static neighbours of the namespace that go through `devices`.
  Result<agent::GuestNetwork> RoutesOf(net::Netlink& nl, const std::vector<std::string>& devices);
  template <typename F>
  auto InNamespace(F&& fn) -> decltype(fn(std::declval<net::Netlink&>()));

  NetworkConfig config_;
  uint32_t queues_ = 1;
  size_t next_position_ = 0;  // names NICs and taps uniquely, also after removals
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  agent::GuestNetwork guest_;
};

}  // namespace vc::resource

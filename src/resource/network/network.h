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
  // Undoes Setup in the namespace; nothing to do if the namespace is gone.
  void Cleanup();
  nlohmann::json Save() const;

 private:
  Network() = default;
  Result<std::vector<hypervisor::Device>> SetupInside(net::Netlink& nl, const std::function<Result<>()>& checkpoint);

  NetworkConfig config_;
  uint32_t queues_ = 1;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  agent::GuestNetwork guest_;
};

}  // namespace vc::resource

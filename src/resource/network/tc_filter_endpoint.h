// The tcfilter model (Kata's default): a tap next to the pod interface in the
// pod's namespace, and tc on both (ingress qdisc, u32 match-all, mirred
// redirect), so every frame that reaches one leaves through the other. The
// interface keeps its addresses and MAC; the guest NIC takes the same MAC.
#pragma once

#include "resource/network/endpoint.h"

namespace vc::resource {

class TcFilterEndpoint : public Endpoint {
 public:
  static constexpr const char* kModel = "tcfilter";

  TcFilterEndpoint(net::Link link, const EndpointOptions& options);
  static Result<std::unique_ptr<Endpoint>> Restore(const nlohmann::json& state);

  const char* Model() const override { return kModel; }
  const net::Link& Link() const override { return link_; }
  const std::string& DeviceId() const override { return device_id_; }
  Result<hypervisor::NetDevice> Setup(net::Netlink& nl, const std::function<Result<>()>& checkpoint) override;
  void Cleanup(net::Netlink& nl) override;
  nlohmann::json Save() const override;

 private:
  TcFilterEndpoint() = default;

  net::Link link_;
  std::string device_id_;
  std::string tap_name_;
  uint32_t queues_ = 1;
  bool vhost_ = false;
  bool redirected_ = false;  // the link's ingress qdisc is ours
  std::vector<os::Fd> fds_;
};

}  // namespace vc::resource

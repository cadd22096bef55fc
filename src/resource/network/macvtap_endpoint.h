// The macvtap model: a macvtap in passthru mode on the pod interface, in the
// pod's namespace; the VM's NIC reads and writes its character device. The
// interface keeps its addresses (the guest answers for them) and lends the
// macvtap its MAC, which the guest NIC takes too.
#pragma once

#include "resource/network/endpoint.h"

namespace vc::resource {

class MacvtapEndpoint : public Endpoint {
 public:
  static constexpr const char* kModel = "macvtap";

  MacvtapEndpoint(net::Link link, const EndpointOptions& options);
  static Result<std::unique_ptr<Endpoint>> Restore(const nlohmann::json& state);

  const char* Model() const override { return kModel; }
  const net::Link& Link() const override { return link_; }
  const std::string& DeviceId() const override { return device_id_; }
  Result<hypervisor::NetDevice> Setup(net::Netlink& nl, const std::function<Result<>()>& checkpoint) override;
  void Cleanup(net::Netlink& nl) override;
  nlohmann::json Save() const override;

 private:
  MacvtapEndpoint() = default;

  net::Link link_;
  std::string device_id_;
  std::string macvtap_name_;
  uint32_t queues_ = 1;
  bool vhost_ = false;
  std::vector<os::Fd> fds_;
};

}  // namespace vc::resource

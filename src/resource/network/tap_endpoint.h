// A pod interface that is itself a tap (tuntap in the namespace): the VM's
// NIC opens it and takes it over; nothing is added and nothing removed.
#pragma once

#include "resource/network/endpoint.h"

namespace vc::resource {

class TapEndpoint : public Endpoint {
 public:
  static constexpr const char* kModel = "tap";

  TapEndpoint(net::Link link, const EndpointOptions& options);
  static Result<std::unique_ptr<Endpoint>> Restore(const nlohmann::json& state);

  const char* Model() const override { return kModel; }
  const net::Link& Link() const override { return link_; }
  const std::string& DeviceId() const override { return device_id_; }
  Result<hypervisor::NetDevice> Setup(net::Netlink& nl, const std::function<Result<>()>& checkpoint) override;
  void Cleanup(net::Netlink& nl) override;
  nlohmann::json Save() const override;

 private:
  TapEndpoint() = default;

  net::Link link_;
  std::string device_id_;
  bool vhost_ = false;
  std::vector<os::Fd> fds_;
};

}  // namespace vc::resource

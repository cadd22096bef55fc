// The network resource kind: each interface of the pod's network namespace
// becomes an endpoint that connects it to a NIC of the VM.
//
// One variant per file beside this one: tc_filter_endpoint.cc (the default model: a
// tap beside the interface, tc redirects both ways), macvtap_endpoint.cc (a macvtap in
// passthru mode on the interface) and tap_endpoint.cc (the interface is itself a tap,
// handed over as is). NewEndpoint picks the variant from the
// interface's kind and the sandbox's model; RestoreEndpoint from the saved
// state. Every call runs inside the pod's namespace (Network puts it there).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hypervisor/device.h"
#include "net/netlink.h"
#include "os/fd.h"
#include "vc/result.h"

namespace vc::resource {

class Endpoint {
 public:
  virtual ~Endpoint() = default;

  virtual const char* Model() const = 0;
  // The pod interface it connects.
  virtual const net::Link& Link() const = 0;
  // The id of the VM's NIC for it.
  virtual const std::string& DeviceId() const = 0;
  // Creates what connects the interface to the VM and returns the NIC, whose
  // descriptors the endpoint owns until Cleanup. `checkpoint` saves the state
  // before each step that leaves something behind.
  virtual Result<hypervisor::NetDevice> Setup(net::Netlink& nl, const std::function<Result<>()>& checkpoint) = 0;
  // Removes what Setup added and nothing else; idempotent, and works from a
  // restored state in another process.
  virtual void Cleanup(net::Netlink& nl) = 0;
  virtual nlohmann::json Save() const = 0;
};

struct EndpointOptions {
  std::string model;   // "tcfilter" or "macvtap"
  size_t position = 0;  // the interface's place in the sandbox: names the NIC and the tap
  uint32_t queues = 1;
  bool vhost = false;
};

// The endpoint for `link`, or an error naming the interface and its kind.
Result<std::unique_ptr<Endpoint>> NewEndpoint(const net::Link& link, const EndpointOptions& options);
Result<std::unique_ptr<Endpoint>> RestoreEndpoint(const nlohmann::json& state);

// JSON of a link as endpoints save it.
nlohmann::json SaveLink(const net::Link& link);
net::Link LoadLink(const nlohmann::json& j);

}  // namespace vc::resource

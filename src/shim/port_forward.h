// Kubernetes' PortForward for a pod in a VM. containerd's streaming server
// dials 127.0.0.1:PORT inside the pod's network namespace on the host; the
// pod's servers listen in the guest. In that namespace one nftables rule
// (table ip vc_port_forward) redirects every TCP connection to loopback onto
// one listener of ours, which learns the port asked for (SO_ORIGINAL_DST) and
// relays the connection to the guest's 127.0.0.1:PORT over the agent channel.
// No port needs to be known beforehand, and containerd is unchanged
// (docs/kubernetes.md).
#pragma once

#include <memory>
#include <string>

#include "agent/async_agent.h"
#include "os/asio.h"
#include "vc/result.h"

namespace vc::shim {

class PortForward {
 public:
  // Listens in the namespace at `netns_path` and installs the rule (Debian's
  // `nft`, run inside the namespace). Relays until destroyed.
  static Result<std::unique_ptr<PortForward>> Start(asio::any_io_executor ex, const std::string& netns_path,
                                                    std::shared_ptr<agent::AsyncAgent> agent);
  // Stops accepting and removes the rule (the namespace may be gone already).
  ~PortForward();
  PortForward(const PortForward&) = delete;
  PortForward& operator=(const PortForward&) = delete;

 private:
  struct State;
  explicit PortForward(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace vc::shim

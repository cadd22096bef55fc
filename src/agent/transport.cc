#include "agent/transport.h"

#include <unistd.h>

namespace vc::agent {

Result<Transport> ChooseTransport(const std::string& requested, bool vhost_vsock_usable) {
  if (requested == "serial") return Transport::kSerial;
  if (requested == "auto") return vhost_vsock_usable ? Transport::kVsock : Transport::kSerial;
  if (requested == "vsock") {
    if (vhost_vsock_usable) return Transport::kVsock;
    return Fail(ErrorCode::kUnavailable,
                "vsock agent transport requested but /dev/vhost-vsock is not usable "
                "(load the vhost_vsock module, or use the serial transport)");
  }
  return Fail(ErrorCode::kInvalidArgument,
              "unknown agent transport '" + requested + "' (use auto, serial or vsock)");
}

bool VhostVsockUsable() { return ::access("/dev/vhost-vsock", R_OK | W_OK) == 0; }

}  // namespace vc::agent

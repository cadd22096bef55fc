#include "net/tap.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <cstring>

#include "os/error.h"

namespace vc::net {

Result<std::vector<os::Fd>> OpenTap(const std::string& name, uint32_t queues) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return Fail(ErrorCode::kInvalidArgument, "tap name '" + name + "' must have 1 to 15 characters");
  if (queues < 1) queues = 1;
  std::vector<os::Fd> fds;
  for (uint32_t q = 0; q < queues; ++q) {
    os::Fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!fd) return os::FailErrno("open /dev/net/tun");
    ifreq req{};
    std::memcpy(req.ifr_name, name.c_str(), name.size());
    req.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (queues > 1) req.ifr_flags |= IFF_MULTI_QUEUE;
    if (::ioctl(fd.get(), TUNSETIFF, &req) != 0) return os::FailErrno("create tap " + name);
    fds.push_back(std::move(fd));
  }
  return fds;
}

bool VhostNetUsable() {
  os::Fd fd(::open("/dev/vhost-net", O_RDWR | O_CLOEXEC));
  return fd.valid();
}

}  // namespace vc::net

#include "net/netns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "os/error.h"

namespace vc::net {

Result<os::Fd> OpenNetns(const std::string& path) {
  if (path.empty() || path[0] != '/')
    return Fail(ErrorCode::kInvalidArgument, "network namespace path '" + path + "' is not absolute");
  os::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return os::FailErrno("network namespace " + path);
  int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (type < 0 || type != CLONE_NEWNET)
    return Fail(ErrorCode::kInvalidArgument, path + " is not a network namespace");
  return fd;
}

Result<> EnterNetns(int netns_fd) {
  if (::setns(netns_fd, CLONE_NEWNET) != 0) return os::FailErrno("enter network namespace");
  return {};
}

}  // namespace vc::net

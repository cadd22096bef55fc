#include "net/netns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "os/error.h"
#include "os/file.h"

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

Result<> CreateNamedNetns(const std::string& path) {
  std::string dir = path.substr(0, path.rfind('/'));
  if (auto r = os::MakeDirs(dir, 0755); !r) return r;
  os::Fd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file) return os::FailErrno("create " + path);
  file.reset();
  // A thread of its own makes the namespace; the mount outlives the thread.
  Result<> out;
  std::thread maker([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      out = os::FailErrno("new network namespace");
      return;
    }
    const std::string self = "/proc/self/task/" + std::to_string(::gettid()) + "/ns/net";
    if (::mount(self.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0)
      out = os::FailErrno("bind the network namespace onto " + path);
  });
  maker.join();
  if (!out) ::unlink(path.c_str());
  return out;
}

Result<> RemoveNamedNetns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return os::FailErrno("unmount " + path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return os::FailErrno("remove " + path);
  return {};
}

Result<> EnterNetns(int netns_fd) {
  if (::setns(netns_fd, CLONE_NEWNET) != 0) return os::FailErrno("enter network namespace");
  return {};
}

}  // namespace vc::net

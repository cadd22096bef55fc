#include "os/socket.h"

#include <sys/socket.h>
#include <sys/un.h>

#include "os/error.h"

namespace vc::os {

namespace {
Result<sockaddr_un> Address(const std::string& address) {
  std::string path = address.starts_with("unix://") ? address.substr(7) : address;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return Fail(ErrorCode::kInvalidArgument, "bad unix socket path '" + path + "'");
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  return addr;
}
}  // namespace

Result<Fd> ConnectUnix(const std::string& path) {
  auto addr = Address(path);
  if (!addr) return std::unexpected(addr.error());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return FailErrno("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) != 0) {
    auto err = ErrnoError("connect to " + std::string(addr->sun_path));
    if (errno == ENOENT || errno == ECONNREFUSED) err.code = ErrorCode::kUnavailable;
    return std::unexpected(err);
  }
  return fd;
}

Result<Fd> ListenUnix(const std::string& path) {
  auto addr = Address(path);
  if (!addr) return std::unexpected(addr.error());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return FailErrno("socket");
  ::unlink(addr->sun_path);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) != 0)
    return FailErrno("bind " + std::string(addr->sun_path));
  if (::listen(fd.get(), 128) != 0) return FailErrno("listen on " + std::string(addr->sun_path));
  return fd;
}

}  // namespace vc::os

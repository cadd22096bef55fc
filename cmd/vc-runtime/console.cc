// The container's terminal handed over through --console-socket.
#include "console.h"

#include <fcntl.h>
#include <pty.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>

#include <cerrno>
#include <cstring>

#include "os/socket.h"

namespace vc::vcrt {
namespace {

vc::Result<> Errno(const std::string& what) {
  return vc::Fail(vc::ErrorCode::kUnavailable, what + ": " + std::strerror(errno));
}

}  // namespace

vc::Result<> CheckConsoleSocket(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return Errno("console socket " + path);
  if (!S_ISSOCK(st.st_mode))
    return vc::Fail(vc::ErrorCode::kInvalidArgument, "console socket " + path + " is not a unix socket");
  return {};
}

vc::Result<Pty> OpenPty() {
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return std::unexpected(Errno("openpty").error());
  Pty pty{vc::os::Fd(master), vc::os::Fd(slave)};
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  struct termios tio{};
  if (::tcgetattr(slave, &tio) != 0) return std::unexpected(Errno("tcgetattr").error());
  ::cfmakeraw(&tio);
  if (::tcsetattr(slave, TCSANOW, &tio) != 0) return std::unexpected(Errno("tcsetattr").error());
  return pty;
}

vc::Result<> SendConsole(const std::string& path, int master) {
  auto sock = vc::os::ConnectUnix(path);
  if (!sock) return std::unexpected(sock.error().Wrap("console socket " + path));
  char name[64] = "/dev/ptmx";
  ::ptsname_r(master, name, sizeof name);
  struct iovec iov{name, ::strlen(name)};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  ::memcpy(CMSG_DATA(c), &master, sizeof(int));
  ssize_t n;
  do n = ::sendmsg(sock->get(), &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return Errno("send the console to " + path);
  return {};
}

}  // namespace vc::vcrt

#include "os/pty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "os/error.h"

namespace vc::os {

Result<std::pair<Fd, Fd>> Pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return FailErrno("pipe");
  return std::pair{Fd(fds[0]), Fd(fds[1])};
}

Result<std::pair<Fd, Fd>> OpenPty(uint16_t rows, uint16_t cols, int master_flags) {
  Fd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | master_flags));
  if (!master) return FailErrno("open /dev/ptmx");
  if (::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0) return FailErrno("unlock pseudo-terminal");
  Fd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return FailErrno("open pseudo-terminal slave");
  if (rows && cols) {
    winsize size{rows, cols, 0, 0};
    ::ioctl(master.get(), TIOCSWINSZ, &size);
  }
  return std::pair{std::move(master), std::move(slave)};
}

}  // namespace vc::os

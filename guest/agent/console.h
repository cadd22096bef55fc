// The debug console: a shell in the guest, outside every container, for the
// host's `virtc sandbox console`. Served on the virtio-serial port
// console::kPortName, one session at a time, only when the kernel command
// line has console::kKernelParam: the host adds both, and /bin/busybox to
// the initramfs, for a sandbox started with the debug console; else this
// guest has no way in but the agent API.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "os/asio.h"

namespace vc::agent {

// Whether this boot's kernel command line asks for the debug console.
bool DebugConsoleRequested();

class DebugConsole {
 public:
  explicit DebugConsole(asio::any_io_executor ex) : ex_(ex) {}

  // Finds the port, then serves sessions: each host connection gets a new
  // shell on a pseudo-terminal; the host leaving hangs the terminal up.
  asio::awaitable<void> Serve();

  // From the reaper: when `pid` is the shell, its session reports the exit.
  void OnExit(pid_t pid, int wait_status);

  struct Session;

 private:
  asio::awaitable<void> RunSession(int port_fd);

  asio::any_io_executor ex_;
  std::shared_ptr<Session> session_;
};

}  // namespace vc::agent

// The monitor: the host process that stands for a container's process (its
// init, or one started by exec) for callers that expect one, as conmon and
// containerd's runc shim do. Its pid goes to --pid-file; it is a child of
// the runtime that forked it, so it stays a descendant of the caller (a
// subreaper) when the runtime exits. It relays the stdio it inherited, or a
// pty whose master went to --console-socket, to the process in the VM;
// forwards the signals it gets to that process (SIGWINCH: the pty's new size);
// and exits with the process's status, 128+N when signal N killed it.
//
// Forked before the runtime makes any thread. It waits until the runtime
// says the process is there to attach to (Go), attaches, and reports back.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "vc/types.h"
#include "vc/vc.h"

namespace vc::vcrt {

struct MonitorOptions {
  std::string root;  // the library's state root
  std::string sandbox_id, container_id;
  // Set: start this process in the container (exec). Unset: attach to the init.
  std::optional<vc::Cmd> exec;
  std::string console_socket;  // non-empty: a pty, its master sent there
  // Non-empty: the network namespace the monitor lives in (from its first
  // instruction on), so that hooks given its pid find the container's network.
  std::string netns;
};

class Monitor {
 public:
  // REQUIRES: this process has no other thread.
  static vc::Result<Monitor> Fork(const MonitorOptions& options);
  Monitor(Monitor&& other) noexcept;
  Monitor& operator=(Monitor&&) = delete;
  // A monitor neither told to go nor released is abandoned.
  ~Monitor();

  pid_t pid() const { return pid_; }
  // Lets it attach (and start the exec'd process); returns what it reported.
  vc::Result<> Go();
  // The runtime exits and leaves the monitor running (to its new parent).
  void Release() { pid_ = -1; }
  // Waits for it to exit: its status as a shell reports it.
  int Wait();
  // Passes the signals this process gets (a foreground `run` or `exec`) on to
  // the monitor, which passes them to the container's process.
  void ForwardSignals() const;

 private:
  Monitor(pid_t pid, int go, int report) : pid_(pid), go_(go), report_(report) {}
  static vc::Result<Monitor> ForkIn(const MonitorOptions& options);
  void Abandon();

  pid_t pid_ = -1;
  int go_ = -1;      // write end: one byte says go; closing it says give up
  int report_ = -1;  // read end: "" on success, else the error
};

}  // namespace vc::vcrt

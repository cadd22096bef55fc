// The per-sandbox supervisor process (vc-supervisor).
//
// It owns what must outlive a single API call: the sandbox's resources (the
// share-fs daemon), the VM process and the agent channel, which it shares
// among clients through a unix socket (SandboxLayout::ClientSocket). Its input
// is the SupervisorSpec the launcher saved; it reports the start's outcome as
// one JSON line on the status fd, then runs until the VM ends or it receives
// SIGTERM, and cleans up its processes, sockets and mounts on the way out.
#pragma once

#include <string>

namespace vc::supervisor {

struct Options {
  std::string state_root;
  std::string sandbox_id;
  int status_fd = -1;
  // Where the guest's log lines go besides supervisor.log (the shim's
  // containerd log); -1: nowhere else.
  int guest_log_fd = -1;
};

// Runs the supervisor; returns the process exit code.
int Run(const Options& options);

}  // namespace vc::supervisor

// The steps several verbs share: making a container with its monitor
// (create, run) and removing one with its VM (delete, run).
#pragma once

#include <string>

#include "context.h"
#include "monitor.h"

namespace vc::vcrt {

struct CreateOptions {
  std::string id;
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  // `run` in the foreground: a terminal process without --console-socket
  // gets the runtime's own stdio (a terminal, if it was started on one).
  bool foreground = false;
};

// The options create and run share.
void AddCreateOptions(CLI::App* cmd, CreateOptions& o);

// Records the container, forks its monitor, boots its VM (or joins its pod's),
// creates it there and attaches the monitor; the pid file names the monitor.
// Nothing is left behind if a step fails. The monitor is the caller's to
// release (create) or wait for (run).
vc::Result<Monitor> Create(Context& ctx, const CreateOptions& o);

// Stops the container (killing it first with `force`), then removes it and,
// if it has its own, its VM; then its monitor and its entry.
// REQUIRES: `force`, or the container is not running.
vc::Result<> Destroy(Context& ctx, const Entry& e, bool force);

// Writes `pid` to `path` (atomically, as runc does); nothing if path is empty.
vc::Result<> WritePidFile(const std::string& path, pid_t pid);

}  // namespace vc::vcrt

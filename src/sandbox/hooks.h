// OCI hooks: programs the spec asks the runtime to run at points of a
// container's life, each given the container's state on stdin.
//
// All of them run on the host, in the runtime's namespaces. createContainer
// and startContainer are meant to run in the container's namespaces, which
// in a VM are in another kernel; they run on the host at the same points of
// the lifecycle (docs/oci.md). The state's pid is the container's host_pid
// (vc-runtime's monitor), else the VM's process on the host (what the shim
// reports to containerd as the task's pid).
// Thread-safety: none needed (no state).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "oci/spec.h"
#include "vc/result.h"

namespace vc {

struct HookState {
  std::string id;
  std::string status;  // "creating", "created", "running" or "stopped"
  int pid = 0;
  std::string bundle;
  std::map<std::string, std::string> annotations;
};

// Runs `hooks` in order, each with `state` as JSON on its stdin, within its
// timeout; the first that fails (cannot start, exits non-zero, times out)
// ends the run with an error naming `point`, the hook and what it printed.
Result<> RunHooks(const std::string& point, const std::vector<oci::Hook>& hooks, const HookState& state);

// The same, for the points whose failure the spec says only to log
// (poststart, poststop): every hook runs; failures are logged as warnings.
void RunHooksWarnOnly(const std::string& point, const std::vector<oci::Hook>& hooks, const HookState& state);

}  // namespace vc

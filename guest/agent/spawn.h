// Starting a container process: the init process in the namespaces its spec
// asks for (a mount namespace always) on the container's root filesystem, set
// up by the steps in setup/, or an extra process (exec) that joins the
// namespaces of a running init. Both go through the spec's process security
// (capabilities, rlimits, user, seccomp; setup/setup.h).
//
// The child stops after its setup and waits for a start byte, so that
// CreateContainer and StartContainer are separate steps. Over the report pipe
// it sends 'R' when set up, or an error message; at exec the pipe closes.
//
// With process.terminal the child's stdio is the slave of a new pseudo-
// terminal (its controlling terminal) and the agent keeps the master; stderr
// then carries nothing.
#pragma once

#include <sys/types.h>

#include <string>

#include "oci/spec.h"
#include "os/fd.h"
#include "vc/result.h"

namespace vc::agent {

struct SpawnRequest {
  oci::Process process;
  std::string cgroup_dir;  // the child joins this cgroup v2 directory
  // The container: for an init, everything to set up; for an exec, the
  // seccomp profile it shares with the init.
  oci::Spec container;
  pid_t join_pid = 0;  // exec: the init process whose namespaces and root to join
  // init: the init of the pod's sandbox container (CRI), whose pid, ipc and
  // uts namespaces the container joins where its spec names a path; 0: none.
  pid_t pod_pid = 0;
};

struct SpawnedProcess {
  pid_t pid = 0;
  os::Fd start;     // write one byte to let the process exec
  os::Fd report;    // 'R' once set up; an error message on failure; EOF at exec
  os::Fd stdin_w;   // parent ends of the stdio pipes
  os::Fd stdout_r;
  os::Fd stderr_r;
  os::Fd pty;       // terminal mode: the terminal's master (stdin_w and stdout_r are copies of it)
};

// REQUIRES: the calling process is single-threaded (the child runs C++ code
// between fork and exec).
Result<SpawnedProcess> Spawn(const SpawnRequest& request);

}  // namespace vc::agent

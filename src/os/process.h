// Starting and watching host processes (QEMU, virtiofsd, the supervisor).
// Commands are argv vectors passed to execve, never shell strings.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::os {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is a path, or a name looked up in PATH
  std::string program;            // the file to run when it is not argv[0] (an OCI hook's path)
  int stdin_fd = -1;              // -1: /dev/null
  int stdout_fd = -1;             // -1: /dev/null
  int stderr_fd = -1;             // -1: /dev/null
  std::vector<int> keep_fds;      // further fds the child inherits, same numbers; no others
  bool die_with_parent = true;    // SIGKILL the child when the spawning thread's process dies
  bool new_session = false;       // setsid(): detach from the caller's terminal and signals
  int umask = -1;                 // the child's file mode creation mask; -1: the caller's
  std::vector<std::string> env;   // the child's whole environment; empty: the caller's
  // Set: the child runs as this user and group, with `groups` as its only
  // supplementary groups (the caller must be root).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::vector<gid_t> groups;
};

// Forks and execs; fails with the exec error (e.g. "qemu-system-x86_64: No
// such file or directory") if the program cannot start. Safe to call from a
// multithreaded process: the child only makes async-signal-safe calls.
Result<pid_t> Spawn(const SpawnOptions& options);

// What a program run to completion said.
struct RunOutput {
  int status = 0;  // exit code, or 128 + signal
  std::string out;
  std::string err;
};

// Runs a program to completion with `input` on its stdin, collecting its
// stdout and stderr (`options`' stdio fields are ignored). Fails only if it
// cannot start or is not done within `timeout` (then it is killed).
Result<RunOutput> RunToCompletion(SpawnOptions options, const std::string& input,
                                  std::chrono::milliseconds timeout);

// Waits up to `timeout` for `pid` to end (exit or become a zombie), using a
// pidfd: works for children and non-children alike. True if it ended.
Result<bool> WaitGone(pid_t pid, std::chrono::milliseconds timeout);

// True while the process exists and is not a zombie.
bool Alive(pid_t pid);

// A process that has exited: reaped now if it is our child; otherwise waits
// up to `timeout` while it stays a zombie (until its parent reaps it), so
// that nothing of it is listed when this returns.
void WaitReaped(pid_t pid, std::chrono::milliseconds timeout);

// SIGTERM, wait up to `grace`, then SIGKILL and wait. Reaps it if it is our child.
void Terminate(pid_t pid, std::chrono::milliseconds grace);

// The argv of a running process (from /proc); empty if it is gone.
std::vector<std::string> CommandLine(pid_t pid);

// Looks a program up like execvp would; empty if not found.
std::string FindProgram(const std::string& name);

}  // namespace vc::os

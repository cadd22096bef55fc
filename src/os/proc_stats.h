// What /proc says about a process: for monitoring (vc-monitor).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::os {

struct ProcStats {
  std::string comm;          // the program's name (/proc/PID/comm)
  double cpu_seconds = 0;    // user + system time so far
  uint64_t rss_bytes = 0;    // resident
  uint64_t pss_bytes = 0;    // proportional: shared pages split among their users
  uint32_t threads = 0;
  uint32_t fds = 0;          // open file descriptors
};

// kNotFound once the process is gone.
Result<ProcStats> SampleProcess(pid_t pid);

// The children of `pid` (all its threads'), from /proc/PID/task/*/children.
std::vector<pid_t> ChildrenOf(pid_t pid);

// The fields of /proc/PID/stat's text after the command's closing ')'.
std::vector<std::string> StatFields(const std::string& stat);

}  // namespace vc::os

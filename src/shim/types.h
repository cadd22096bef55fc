// The shim's own view of containerd's task requests: every containerd.task.v2
// message is translated into these in service.cc, and nowhere else.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "shim/rootfs.h"
#include "vc/types.h"

namespace vc::shim {

using Clock = std::chrono::system_clock;

// FIFO paths containerd passes for a process; empty: not attached.
struct StdioPaths {
  std::string stdin;
  std::string stdout;
  std::string stderr;
  bool terminal = false;
};

struct CreateRequest {
  std::string id;
  std::string bundle;
  std::vector<Mount> rootfs;
  StdioPaths stdio;
  std::string config_path;  // runtime options' ConfigPath; empty: the default configuration
};

struct ExecRequest {
  std::string id;
  std::string exec_id;
  StdioPaths stdio;
  Cmd cmd;
};

enum class Status { kCreated, kRunning, kPaused, kStopped };

struct Exit {
  uint32_t status = 0;  // exit code, or 128 + signal
  Clock::time_point at;
};

struct ProcessState {
  std::string id;  // the container id, or the exec id of an exec
  std::string bundle;
  uint32_t pid = 0;
  Status status = Status::kCreated;
  StdioPaths stdio;
  Exit exit;  // valid when status is kStopped
};

}  // namespace vc::shim

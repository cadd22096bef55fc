// The parts of an OCI runtime spec (config.json) the agent acts on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::agent {

struct ProcessSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  bool terminal = false;  // stdio on a pseudo-terminal
  uint16_t console_rows = 0;  // initial window size (consoleSize); 0: unset
  uint16_t console_columns = 0;
};

// The OCI LinuxResources limits the agent applies to a container's cgroup.
struct Resources {
  std::optional<int64_t> memory_limit;  // bytes; -1: unlimited
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;     // microseconds per period; -1: unlimited
  std::optional<uint64_t> cpu_period;   // microseconds
  std::optional<int64_t> pids_limit;    // -1 or 0: unlimited
};

struct ContainerSpec {
  std::string root;  // guest path of the root filesystem
  bool readonly = false;
  std::string hostname;
  ProcessSpec process;
};

// Parses an OCI "process" object.
Result<ProcessSpec> ParseProcess(const std::string& json);
// Parses an OCI LinuxResources object.
Result<Resources> ParseResources(const std::string& json);
// Parses a whole OCI spec; root.path and process.args are required.
Result<ContainerSpec> ParseContainerSpec(const std::string& json);

}  // namespace vc::agent

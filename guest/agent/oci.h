// The parts of an OCI runtime spec (config.json) the agent acts on.
#pragma once

#include <cstdint>
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
};

struct ContainerSpec {
  std::string root;  // guest path of the root filesystem
  bool readonly = false;
  std::string hostname;
  ProcessSpec process;
};

// Parses an OCI "process" object.
Result<ProcessSpec> ParseProcess(const std::string& json);
// Parses a whole OCI spec; root.path and process.args are required.
Result<ContainerSpec> ParseContainerSpec(const std::string& json);

}  // namespace vc::agent

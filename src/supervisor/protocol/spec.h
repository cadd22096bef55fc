// The supervisor's input: everything vc-supervisor needs to run one
// sandbox's VM, written by the launcher into the sandbox's store item
// "supervisor" before it starts the supervisor. The supervisor reads nothing
// else of the sandbox (not its record).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "resource/manager.h"
#include "supervisor/protocol/control_client.h"
#include "vc/types.h"

namespace vc {

struct SupervisorSpec {
  std::string sandbox_id;
  HypervisorConfig hypervisor;
  AgentConfig agent;
  resource::Config resources;
  // Non-empty: start the VM from the template in this directory
  // (src/factory/template.h) instead of booting; the supervisor boots after
  // all if the restore fails.
  std::string template_dir;
  // Disks cold-plugged before boot (path and read_only; the start report
  // says where each went). Not with a template (its VM has its devices).
  std::vector<BootDisk> disks;
};

void to_json(nlohmann::json& j, const SupervisorSpec& s);
void from_json(const nlohmann::json& j, SupervisorSpec& s);

}  // namespace vc

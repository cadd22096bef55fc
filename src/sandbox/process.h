// vc::Process over the agent: a handle on one process of a container, with
// its own agent connection (so a blocking read does not hold up other calls).
#pragma once

#include <memory>
#include <string>

#include "agent/agent.h"
#include "vc/vc.h"

namespace vc {

std::unique_ptr<Process> NewAgentProcess(std::unique_ptr<agent::Agent> agent, std::string container_id,
                                         std::string exec_id);

}  // namespace vc

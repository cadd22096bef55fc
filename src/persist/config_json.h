// The public configuration types as JSON: how a sandbox's record, the
// supervisor's spec and the template's key store them. Keys missing from a
// document read as the type's defaults (an older record still loads).
#pragma once

#include <nlohmann/json.hpp>

#include "vc/types.h"

namespace vc {

void to_json(nlohmann::json& j, const Cmd& c);
void from_json(const nlohmann::json& j, Cmd& c);
void to_json(nlohmann::json& j, const HypervisorConfig& c);
void from_json(const nlohmann::json& j, HypervisorConfig& c);
void to_json(nlohmann::json& j, const AgentConfig& c);
void from_json(const nlohmann::json& j, AgentConfig& c);
void to_json(nlohmann::json& j, const ContainerConfig& c);
void from_json(const nlohmann::json& j, ContainerConfig& c);
void to_json(nlohmann::json& j, const SandboxConfig& c);
void from_json(const nlohmann::json& j, SandboxConfig& c);

}  // namespace vc

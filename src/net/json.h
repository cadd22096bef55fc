// JSON form of the public network types (records, saved resource state, the
// supervisor's report).
#pragma once

#include <nlohmann/json.hpp>

#include "vc/types.h"

namespace vc {

void to_json(nlohmann::json& j, const NetworkConfig& c);
void from_json(const nlohmann::json& j, NetworkConfig& c);
void to_json(nlohmann::json& j, const NetInterface& i);
void from_json(const nlohmann::json& j, NetInterface& i);
void to_json(nlohmann::json& j, const NetRoute& r);
void from_json(const nlohmann::json& j, NetRoute& r);
void to_json(nlohmann::json& j, const NetNeighbor& n);
void from_json(const nlohmann::json& j, NetNeighbor& n);

}  // namespace vc

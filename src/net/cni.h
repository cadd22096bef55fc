// Running CNI plugins (the Container Network Interface, spec 0.4.0 and 1.0):
// a network configuration list from a directory, its plugins called in order
// for ADD (each given the previous one's result) and in reverse for DEL.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "vc/result.h"

namespace vc::net {

struct CniNetwork {
  std::string file;       // where it was read from, for messages
  nlohmann::json config;  // a conflist: name, cniVersion, plugins[]
};

// The first network configuration in `dir` by file name (*.conflist, or a
// single-plugin *.conf/*.json turned into a list), as CNI's own tools pick it.
Result<CniNetwork> LoadCniNetwork(const std::string& dir);

struct CniAttachment {
  std::string container_id;
  std::string netns_path;
  std::string ifname = "eth0";
};

// ADD through every plugin; the last plugin's result. A failing plugin's
// error message (its JSON error's msg and details, or its stderr) is passed on.
Result<nlohmann::json> CniAdd(const CniNetwork& network, const std::string& bin_dir, const CniAttachment& at);
// DEL through every plugin in reverse, with the ADD result as prevResult
// (null if unknown). Every plugin is called even if one fails.
Result<> CniDel(const CniNetwork& network, const std::string& bin_dir, const CniAttachment& at,
                const nlohmann::json& prev_result);

}  // namespace vc::net

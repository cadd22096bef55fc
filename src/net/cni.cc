#include "net/cni.h"

#include <algorithm>
#include <filesystem>

#include "os/file.h"
#include "os/process.h"

namespace vc::net {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// What one plugin sees on stdin: its own section, the list's name and
// version, and the result so far.
nlohmann::json PluginConfig(const CniNetwork& network, const nlohmann::json& plugin, const nlohmann::json& prev) {
  nlohmann::json c = plugin;
  c["name"] = network.config.value("name", std::string());
  c["cniVersion"] = network.config.value("cniVersion", std::string("0.4.0"));
  if (!prev.is_null()) c["prevResult"] = prev;
  return c;
}

Result<nlohmann::json> Call(const std::string& command, const nlohmann::json& config, const std::string& bin_dir,
                            const CniAttachment& at) {
  const std::string type = config.value("type", std::string());
  if (type.empty() || type.find('/') != std::string::npos)
    return Fail(ErrorCode::kInvalidArgument, "CNI plugin type '" + type + "' is not a plugin name");
  const std::string program = bin_dir + "/" + type;
  if (!os::Exists(program))
    return Fail(ErrorCode::kNotFound, "CNI plugin " + type + " not found in " + bin_dir +
                                          " (install containernetworking-plugins or pass --cni-bin-dir)");
  os::SpawnOptions spawn;
  spawn.argv = {program};
  spawn.env = {"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + at.container_id, "CNI_NETNS=" + at.netns_path,
               "CNI_IFNAME=" + at.ifname, "CNI_PATH=" + bin_dir,
               "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  auto run = os::RunToCompletion(spawn, config.dump(), 60s);
  if (!run) return std::unexpected(run.error().Wrap("CNI " + command + " " + type));
  auto out = nlohmann::json::parse(run->out, nullptr, false);
  if (run->status != 0) {
    std::string why = run->err.empty() ? run->out : run->err;
    if (out.is_object() && out.contains("msg")) {
      why = out.value("msg", std::string());
      if (auto details = out.value("details", std::string()); !details.empty()) why += ": " + details;
    }
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return Fail(ErrorCode::kUnavailable, "CNI " + command + " " + type + " failed (exit " +
                                             std::to_string(run->status) + "): " + why);
  }
  if (command != "ADD") return nlohmann::json();
  if (!out.is_object()) return Fail(ErrorCode::kInternal, "CNI ADD " + type + " printed no JSON result");
  return out;
}

}  // namespace

Result<CniNetwork> LoadCniNetwork(const std::string& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension();
    if (ext == ".conflist" || ext == ".conf" || ext == ".json") files.push_back(entry.path());
  }
  if (ec) return Fail(ErrorCode::kNotFound, "CNI configuration directory " + dir + ": " + ec.message());
  if (files.empty()) return Fail(ErrorCode::kNotFound, "no CNI network configuration (*.conflist, *.conf) in " + dir);
  std::sort(files.begin(), files.end());
  const std::string file = files.front().string();
  auto text = os::ReadFile(file);
  if (!text) return std::unexpected(text.error());
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object()) return Fail(ErrorCode::kInvalidArgument, "CNI configuration " + file + " is not a JSON object");
  CniNetwork network{file, doc};
  if (!doc.contains("plugins")) {  // a single plugin's configuration
    network.config = {{"name", doc.value("name", std::string())},
                      {"cniVersion", doc.value("cniVersion", std::string("0.4.0"))},
                      {"plugins", nlohmann::json::array({doc})}};
  }
  if (!network.config["plugins"].is_array() || network.config["plugins"].empty())
    return Fail(ErrorCode::kInvalidArgument, "CNI configuration " + file + " has no plugins");
  return network;
}

Result<nlohmann::json> CniAdd(const CniNetwork& network, const std::string& bin_dir, const CniAttachment& at) {
  nlohmann::json result;
  for (const auto& plugin : network.config.at("plugins")) {
    auto r = Call("ADD", PluginConfig(network, plugin, result), bin_dir, at);
    if (!r) return std::unexpected(r.error().Wrap(network.file));
    result = std::move(*r);
  }
  return result;
}

Result<> CniDel(const CniNetwork& network, const std::string& bin_dir, const CniAttachment& at,
                const nlohmann::json& prev_result) {
  Result<> first_error;
  if (!network.config.contains("plugins") || !network.config.at("plugins").is_array()) return first_error;
  const auto& plugins = network.config.at("plugins");
  for (auto it = plugins.rbegin(); it != plugins.rend(); ++it) {
    auto r = Call("DEL", PluginConfig(network, *it, prev_result), bin_dir, at);
    if (!r && first_error) first_error = std::unexpected(r.error().Wrap(network.file));
  }
  return first_error;
}

}  // namespace vc::net

// OCI bundle (config.json + root filesystem) to ContainerConfig.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "os/file.h"
#include "vc/vc.h"

namespace vc {

Result<ContainerConfig> ContainerConfigFromBundle(const std::string& bundle) {
  std::error_code ec;
  const std::string bundle_dir = std::filesystem::absolute(bundle, ec).lexically_normal().string();
  std::string path = bundle_dir + "/config.json";
  auto text = os::ReadFile(path);
  if (!text) return std::unexpected(text.error().Wrap("OCI bundle"));
  auto spec = nlohmann::json::parse(*text, nullptr, false);
  if (spec.is_discarded() || !spec.is_object())
    return Fail(ErrorCode::kInvalidArgument, path + " is not valid JSON");
  ContainerConfig config;
  try {
    const auto& process = spec.at("process");
    config.cmd.args = process.at("args").get<std::vector<std::string>>();
    config.cmd.env = process.value("env", std::vector<std::string>{});
    config.cmd.cwd = process.value("cwd", std::string("/"));
    config.cmd.terminal = process.value("terminal", false);
    if (process.contains("user")) {
      config.cmd.uid = process["user"].value("uid", 0u);
      config.cmd.gid = process["user"].value("gid", 0u);
    }
    std::string root = spec.at("root").at("path").get<std::string>();
    config.rootfs = root.starts_with("/") ? root : bundle_dir + "/" + root;
    config.annotations =
        spec.value("annotations", std::map<std::string, std::string>{});
  } catch (const nlohmann::json::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, path + ": " + e.what());
  }
  if (config.cmd.args.empty())
    return Fail(ErrorCode::kInvalidArgument, path + ": process.args is empty");
  return config;
}

}  // namespace vc

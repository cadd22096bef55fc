#include "oci.h"

#include <nlohmann/json.hpp>

namespace vc::agent {

namespace {
using nlohmann::json;

Result<ProcessSpec> ProcessFrom(const json& p) {
  if (!p.is_object()) return Fail(ErrorCode::kInvalidArgument, "process is not an object");
  ProcessSpec spec;
  try {
    if (!p.contains("args") || !p["args"].is_array() || p["args"].empty())
      return Fail(ErrorCode::kInvalidArgument, "process.args must be a non-empty array");
    spec.args = p["args"].get<std::vector<std::string>>();
    if (p.contains("env")) spec.env = p["env"].get<std::vector<std::string>>();
    if (p.contains("cwd")) spec.cwd = p["cwd"].get<std::string>();
    if (p.contains("user")) {
      const json& u = p["user"];
      spec.uid = u.value("uid", 0u);
      spec.gid = u.value("gid", 0u);
      if (u.contains("additionalGids"))
        spec.additional_gids = u["additionalGids"].get<std::vector<uint32_t>>();
    }
    spec.terminal = p.value("terminal", false);
    if (p.contains("consoleSize")) {
      spec.console_rows = p["consoleSize"].value("height", uint16_t{0});
      spec.console_columns = p["consoleSize"].value("width", uint16_t{0});
    }
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, std::string("process: ") + e.what());
  }
  if (spec.cwd.empty() || spec.cwd[0] != '/')
    return Fail(ErrorCode::kInvalidArgument, "process.cwd must be an absolute path");
  return spec;
}
}  // namespace

Result<ProcessSpec> ParseProcess(const std::string& text) {
  json p = json::parse(text, nullptr, false);
  if (p.is_discarded()) return Fail(ErrorCode::kInvalidArgument, "process is not valid JSON");
  return ProcessFrom(p);
}

Result<Resources> ParseResources(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Fail(ErrorCode::kInvalidArgument, "resources are not a valid JSON object");
  Resources r;
  try {
    auto take = [](const json& obj, const char* key, auto& out) {
      if (obj.is_object() && obj.contains(key) && !obj[key].is_null())
        out = obj[key].get<typename std::remove_reference_t<decltype(out)>::value_type>();
    };
    if (j.contains("memory")) take(j["memory"], "limit", r.memory_limit);
    if (j.contains("cpu")) {
      take(j["cpu"], "shares", r.cpu_shares);
      take(j["cpu"], "quota", r.cpu_quota);
      take(j["cpu"], "period", r.cpu_period);
    }
    if (j.contains("pids")) take(j["pids"], "limit", r.pids_limit);
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, std::string("resources: ") + e.what());
  }
  return r;
}

Result<ContainerSpec> ParseContainerSpec(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Fail(ErrorCode::kInvalidArgument, "OCI spec is not a valid JSON object");
  ContainerSpec spec;
  if (!j.contains("root") || !j["root"].is_object() || !j["root"].contains("path") ||
      !j["root"]["path"].is_string())
    return Fail(ErrorCode::kInvalidArgument, "OCI spec: root.path is required");
  spec.root = j["root"]["path"].get<std::string>();
  if (j["root"].contains("readonly") && j["root"]["readonly"].is_boolean())
    spec.readonly = j["root"]["readonly"].get<bool>();
  if (j.contains("hostname") && j["hostname"].is_string()) spec.hostname = j["hostname"];
  if (!j.contains("process"))
    return Fail(ErrorCode::kInvalidArgument, "OCI spec: process is required");
  auto process = ProcessFrom(j["process"]);
  if (!process) return std::unexpected(process.error().Wrap("OCI spec"));
  spec.process = std::move(*process);
  return spec;
}

}  // namespace vc::agent

#include "shim/bundle.h"

#include <nlohmann/json.hpp>

#include "os/file.h"

namespace vc::shim {

namespace {

constexpr const char* kRecordFile = "/vc-shim.json";


Result<nlohmann::json> ReadSpec(const std::string& bundle) {
  const std::string path = bundle + "/config.json";
  auto text = os::ReadFile(path);
  if (!text) return std::unexpected(text.error());
  auto spec = nlohmann::json::parse(*text, nullptr, false);
  if (spec.is_discarded() || !spec.is_object())
    return Fail(ErrorCode::kInvalidArgument, path + " is not a JSON object");
  return spec;
}

}  // namespace

Result<std::string> BundleResources(const std::string& bundle) {
  auto spec = ReadSpec(bundle);
  if (!spec) return std::unexpected(spec.error());
  auto linux = spec->find("linux");
  if (linux == spec->end() || !linux->is_object()) return std::string();
  auto resources = linux->find("resources");
  if (resources == linux->end() || !resources->is_object()) return std::string();
  return resources->dump();
}

Result<std::map<std::string, std::string>> BundleAnnotations(const std::string& bundle) {
  auto spec = ReadSpec(bundle);
  if (!spec) return std::unexpected(spec.error());
  std::map<std::string, std::string> out;
  if (auto it = spec->find("annotations"); it != spec->end() && it->is_object())
    for (const auto& [k, v] : it->items())
      if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

Result<> WriteBundleRecord(const std::string& bundle, const BundleRecord& r) {
  nlohmann::json j = {{"state_root", r.state_root}, {"sandbox_id", r.sandbox_id}};
  return os::WriteFileAtomic(bundle + kRecordFile, j.dump(), 0600);
}

Result<BundleRecord> ReadBundleRecord(const std::string& bundle) {
  auto text = os::ReadFile(bundle + kRecordFile);
  if (!text) return std::unexpected(text.error());
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("state_root") || !j.contains("sandbox_id"))
    return Fail(ErrorCode::kInvalidArgument, bundle + kRecordFile + " is malformed");
  return BundleRecord{j["state_root"].get<std::string>(), j["sandbox_id"].get<std::string>()};
}

}  // namespace vc::shim

#include "shim/bundle.h"

#include <nlohmann/json.hpp>

#include "os/file.h"

namespace vc::shim {

namespace {
constexpr const char* kRecordFile = "/vc-shim.json";
}  // namespace

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

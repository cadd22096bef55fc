// Whole documents: parsing with errors that name the part, writing over the
// document read, bundles.
#include <filesystem>

#include "oci/spec.h"
#include "os/file.h"

namespace vc::oci {

namespace {

using nlohmann::json;

// Runs `read`, turning exceptions into errors: ours name their field, the
// JSON library's get `section` ("process: type must be string, but is number").
template <typename T, typename F>
Result<T> Guarded(const std::string& section, F read) {
  try {
    return read();
  } catch (const FieldError& e) {
    return Fail(ErrorCode::kInvalidArgument, e.what());
  } catch (const json::exception& e) {
    std::string message = e.what();
    // It prefixes "[json.exception.type_error.302] "; the reader needs only the rest.
    if (message.starts_with("[json.exception.")) message.erase(0, message.find("] ") + 2);
    return Fail(ErrorCode::kInvalidArgument, section + ": " + message);
  }
}

Result<json> ParseObject(const std::string& text, const std::string& what) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Fail(ErrorCode::kInvalidArgument, what + " is not valid JSON");
  if (!doc.is_object()) return Fail(ErrorCode::kInvalidArgument, what + " is not a JSON object");
  return doc;
}

}  // namespace

Result<Spec> FromJson(const json& doc) {
  if (!doc.is_object()) return Fail(ErrorCode::kInvalidArgument, "OCI spec is not a JSON object");
  Spec spec;
  spec.document = doc;
  auto root = doc.find("root");
  if (root == doc.end() || !root->is_object() || !root->contains("path") || !(*root)["path"].is_string())
    return Fail(ErrorCode::kInvalidArgument, "root.path is required");
  spec.root.path = (*root)["path"].get<std::string>();
  if (auto ro = root->find("readonly"); ro != root->end() && ro->is_boolean()) spec.root.readonly = *ro;
  if (doc.contains("process")) {
    auto process = Guarded<Process>("process", [&] { return doc["process"].get<Process>(); });
    if (!process) return std::unexpected(process.error());
    spec.process = std::move(*process);
  }
  auto rest = Guarded<bool>("spec", [&] {
    auto read = [&](const char* key, auto& out) {
      if (auto it = doc.find(key); it != doc.end() && !it->is_null()) it->get_to(out);
    };
    read("ociVersion", spec.oci_version);
    read("hostname", spec.hostname);
    read("domainname", spec.domainname);
    read("mounts", spec.mounts);
    read("hooks", spec.hooks);
    read("annotations", spec.annotations);
    read("linux", spec.linux);
    return true;
  });
  if (!rest) return std::unexpected(rest.error());
  return spec;
}

Result<Spec> Parse(const std::string& text) {
  auto doc = ParseObject(text, "OCI spec");
  if (!doc) return std::unexpected(doc.error());
  auto spec = FromJson(*doc);
  if (!spec) return std::unexpected(spec.error().Wrap("OCI spec"));
  return spec;
}

Result<Process> ParseProcess(const std::string& text) {
  auto doc = ParseObject(text, "process");
  if (!doc) return std::unexpected(doc.error());
  return Guarded<Process>("process", [&] { return doc->get<Process>(); });
}

Result<Resources> ParseResources(const std::string& text) {
  auto doc = ParseObject(text, "resources");
  if (!doc) return std::unexpected(doc.error());
  return Guarded<Resources>("resources", [&] { return doc->get<Resources>(); });
}

json ToJson(const Process& process) { return process; }
json ToJson(const Resources& resources) { return resources; }

json ToJson(const Spec& spec) {
  json typed = {{"ociVersion", spec.oci_version},
                {"process", spec.process ? json(*spec.process) : json(nullptr)},
                {"root", {{"path", spec.root.path}, {"readonly", spec.root.readonly}}},
                {"hostname", spec.hostname.empty() ? json(nullptr) : json(spec.hostname)},
                {"domainname", spec.domainname.empty() ? json(nullptr) : json(spec.domainname)},
                {"mounts", spec.mounts},
                {"hooks", spec.hooks},
                {"linux", spec.linux}};
  json out = spec.document;
  out.merge_patch(typed);  // null removes, objects merge: unknown fields stay
  // Maps are replaced whole: a key removed from the typed value must go.
  out["annotations"] = spec.annotations;
  out["linux"]["sysctl"] = spec.linux.sysctl;
  // What the merge left empty is noise, not meaning.
  if (out["linux"]["sysctl"].empty()) out["linux"].erase("sysctl");
  for (const char* key : {"annotations", "hooks", "linux"})
    if (out[key].empty()) out.erase(key);
  return out;
}

Result<Spec> LoadBundle(const std::string& bundle) {
  std::error_code ec;
  const std::string dir = std::filesystem::absolute(bundle, ec).lexically_normal().string();
  const std::string path = dir + "/config.json";
  auto text = os::ReadFile(path);
  if (!text) return std::unexpected(text.error().Wrap("OCI bundle"));
  auto doc = ParseObject(*text, path);
  if (!doc) return std::unexpected(doc.error());
  auto spec = FromJson(*doc);
  if (!spec) return std::unexpected(spec.error().Wrap(path));
  if (!spec->root.path.starts_with("/")) spec->root.path = dir + "/" + spec->root.path;
  return spec;
}

}  // namespace vc::oci

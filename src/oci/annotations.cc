#include "oci/annotations.h"

#include "oci/validate.h"

namespace vc::oci {

std::string SandboxOf(const std::string& container_id,
                      const std::map<std::string, std::string>& annotations) {
  auto type = annotations.find(kContainerTypeAnnotation);
  auto sandbox = annotations.find(kSandboxIdAnnotation);
  if (type != annotations.end() && type->second == "container" && sandbox != annotations.end() &&
      !sandbox->second.empty())
    return sandbox->second;
  return container_id;
}

bool HostDeviceRequested(const std::map<std::string, std::string>& annotations, const std::string& path) {
  auto list = annotations.find(kHostDevicesAnnotation);
  if (list == annotations.end()) return false;
  std::string_view rest = list->second;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == path) return true;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return false;
}

Result<> CheckPodSandbox(const Spec& spec) {
  auto type = spec.annotations.find(kContainerTypeAnnotation);
  if (type == spec.annotations.end() || type->second != "sandbox") return {};
  const std::pair<const char*, const char*> fields[] = {
      {"network", "hostNetwork"}, {"ipc", "hostIPC"}, {"pid", "hostPID"}};
  for (const auto& [ns, field] : fields)
    if (!FindNamespace(spec.linux, ns))
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(field) + ": the pod asks for the node's " + ns +
                      " namespace, which a pod in a VM cannot share (its containers run in the guest "
                      "kernel): run this pod with a runc RuntimeClass");
  return {};
}

}  // namespace vc::oci

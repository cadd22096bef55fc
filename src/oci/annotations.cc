#include "oci/annotations.h"

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

}  // namespace vc::oci

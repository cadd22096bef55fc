// Annotations of the OCI spec that runtimes act on: the CRI plugin's pod
// placement (which sandbox a container belongs to).
#pragma once

#include <map>
#include <string>

namespace vc::oci {

inline constexpr const char* kContainerTypeAnnotation = "io.kubernetes.cri.container-type";
inline constexpr const char* kSandboxIdAnnotation = "io.kubernetes.cri.sandbox-id";

// The id of the sandbox whose VM a container joins: the sandbox id of a CRI
// container of type "container", else the container's own id (it starts a VM).
std::string SandboxOf(const std::string& container_id,
                      const std::map<std::string, std::string>& annotations);

}  // namespace vc::oci

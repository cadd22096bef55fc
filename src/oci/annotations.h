// Annotations of the OCI spec that runtimes act on: the CRI plugin's pod
// placement (which sandbox a container belongs to).
#pragma once

#include <map>
#include <string>

#include "oci/spec.h"
#include "vc/result.h"

namespace vc::oci {

inline constexpr const char* kContainerTypeAnnotation = "io.kubernetes.cri.container-type";
inline constexpr const char* kSandboxIdAnnotation = "io.kubernetes.cri.sandbox-id";
// The linux.devices paths of a privileged container that go to the VM (block
// devices as disks, /dev/vfio/<group> passed through): comma-separated. A
// privileged container lists every host device; without this none enters.
inline constexpr const char* kHostDevicesAnnotation = "io.virtcontainers.host-devices";

// Whether `path` is one of kHostDevicesAnnotation's.
bool HostDeviceRequested(const std::map<std::string, std::string>& annotations, const std::string& path);

// The id of the sandbox whose VM a container joins: the sandbox id of a CRI
// container of type "container", else the container's own id (it starts a VM).
std::string SandboxOf(const std::string& container_id,
                      const std::map<std::string, std::string>& annotations);

// A CRI pod sandbox (the pause container's spec) that asks for the node's
// network, IPC or PID namespace (hostNetwork, hostIPC, hostPID: the spec
// has no namespace of that type) cannot run in a VM: refused, naming the
// pod field. Other specs pass.
Result<> CheckPodSandbox(const Spec& spec);

}  // namespace vc::oci

// Where a shim listens, and which shim serves a container.
#pragma once

#include <map>
#include <string>

namespace vc::shim {

// Directory of shim sockets (containerd's convention).
inline constexpr const char* kSocketDir = "/run/containerd/s";

// "unix:///run/containerd/s/<hash>": one socket per (containerd, namespace,
// group), so private containerd instances never collide.
std::string SocketAddress(const std::string& containerd_address, const std::string& ns,
                          const std::string& group);

// The file system path of a socket address made by SocketAddress.
std::string SocketPath(const std::string& address);

// CRI annotations that place a container in a pod.
inline constexpr const char* kContainerTypeAnnotation = "io.kubernetes.cri.container-type";
inline constexpr const char* kSandboxIdAnnotation = "io.kubernetes.cri.sandbox-id";

// The id of the sandbox whose VM a container joins: the sandbox id of a CRI
// container of type "container", else the container's own id (it starts a VM).
std::string SandboxOf(const std::string& container_id,
                      const std::map<std::string, std::string>& annotations);

}  // namespace vc::shim

// Where a shim listens.
#pragma once

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

}  // namespace vc::shim

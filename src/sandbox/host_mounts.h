// Host-side mounts of a sandbox: container roots bound into the directory
// that virtiofsd shares with the guest.
#pragma once

#include <string>

#include "vc/result.h"

namespace vc {

// <sandbox dir>/shared/<container>/rootfs, seen in the guest as
// /run/vc/shared/<container>/rootfs.
std::string HostRootfsPath(const std::string& sandbox_dir, const std::string& container_id);
std::string GuestRootfsPath(const std::string& container_id);

Result<> BindRootfs(const std::string& source, const std::string& sandbox_dir,
                    const std::string& container_id);
// Unmounts (if mounted) and removes the container's directory in the share.
Result<> UnbindRootfs(const std::string& sandbox_dir, const std::string& container_id);
// Detaches the share itself if a supervisor left it mounted.
void DetachShare(const std::string& sandbox_dir);

}  // namespace vc

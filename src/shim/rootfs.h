// The container's root file system as containerd hands it over: mounts
// (typically one overlay from the snapshotter) to stack at <bundle>/rootfs.
#pragma once

#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::shim {

struct Mount {
  std::string type;
  std::string source;
  std::vector<std::string> options;  // fstab-style: flags ("ro", "nosuid") and data ("lowerdir=...")
};

// Mounts each of `mounts` on `target` (created if missing), in order. On
// failure, what was mounted is unmounted again.
Result<> MountRootfs(const std::vector<Mount>& mounts, const std::string& target);

// Unmounts everything stacked on `target`; no error if nothing is mounted.
Result<> UnmountRootfs(const std::string& target);

}  // namespace vc::shim

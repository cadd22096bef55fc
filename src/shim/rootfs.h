// The container's root file system as containerd hands it over: mounts
// (typically one overlay from the snapshotter) to stack at <bundle>/rootfs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::shim {

struct Mount {
  std::string type;
  std::string source;
  std::vector<std::string> options;  // fstab-style: flags ("ro", "nosuid") and data ("lowerdir=...")
};

// A root that is a whole file system on a block device, as containerd's
// devmapper snapshotter hands it over (one mount: ext2/3/4 or xfs, its source
// a block device such as /dev/mapper/... or /dev/dm-N): the VM gets the
// device as a disk instead of the shim mounting it. Empty otherwise.
// `is_block_device` tells whether a path is one.
struct BlockRoot {
  std::string device;
  bool read_only = false;
};
std::optional<BlockRoot> BlockRootOf(const std::vector<Mount>& mounts,
                                     const std::function<bool(const std::string&)>& is_block_device);
bool IsBlockDevice(const std::string& path);

// Mounts each of `mounts` on `target` (created if missing), in order. On
// failure, what was mounted is unmounted again.
Result<> MountRootfs(const std::vector<Mount>& mounts, const std::string& target);

// Unmounts everything stacked on `target`; no error if nothing is mounted.
Result<> UnmountRootfs(const std::string& target);

}  // namespace vc::shim

// Disk volumes: spec mounts that reach the guest as disks instead of through
// the shared file system, and the direct-volume registry (Kata's idea): a
// host directory path registered with the block device or image that stands
// for it, so that a container bind-mounting that path gets the disk.
//
//   <state root>/volumes/<hash of the path>.json   one registered volume
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/spec.h"
#include "vc/result.h"
#include "vc/vc.h"

namespace vc {

// The disk a spec mount stands for, if it is one:
//   - a file system the guest mounts (ext2/3/4, xfs) on a host block device
//     or image file: `mount -t ext4 /dev/sdb /data` in the guest;
//   - a bind of a host block device (its file system mounted, as Kata does);
//   - a bind of a path registered as a direct volume.
struct DiskMount {
  std::string device;                // block device or image file
  std::string fstype;                // what the spec or the registry says; empty: as found
  std::vector<std::string> options;  // the file system's mount options in the guest
  bool read_only = false;
};
Result<std::optional<DiskMount>> DiskMountOf(const std::string& state_root, const oci::Mount& mount);

Result<> AddDirectVolume(const std::string& state_root, const std::string& volume_path, const DirectVolume& volume);
// kNotFound if the path is not registered.
Result<DirectVolume> FindDirectVolume(const std::string& state_root, const std::string& volume_path);
Result<> RemoveDirectVolume(const std::string& state_root, const std::string& volume_path);

}  // namespace vc

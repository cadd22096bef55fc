#include "shim/rootfs.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include "os/error.h"
#include "os/mount.h"

namespace vc::shim {

std::optional<BlockRoot> BlockRootOf(const std::vector<Mount>& mounts,
                                     const std::function<bool(const std::string&)>& is_block_device) {
  if (mounts.size() != 1) return std::nullopt;
  const Mount& m = mounts[0];
  if (m.type != "ext4" && m.type != "ext3" && m.type != "ext2" && m.type != "xfs") return std::nullopt;
  if (!is_block_device(m.source)) return std::nullopt;
  return BlockRoot{m.source, (os::ParseMountOptions(m.options).flags & MS_RDONLY) != 0};
}

bool IsBlockDevice(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
}

Result<> MountRootfs(const std::vector<Mount>& mounts, const std::string& target) {
  if (::mkdir(target.c_str(), 0711) != 0 && errno != EEXIST)
    return os::FailErrno("create " + target);
  for (const auto& m : mounts) {
    os::MountOptions args = os::ParseMountOptions(m.options);
    const bool bind = args.flags & MS_BIND;
    std::string type = bind ? "" : m.type;
    unsigned long flags = bind ? args.flags & (MS_BIND | MS_REC) : args.flags;
    if (::mount(m.source.c_str(), target.c_str(), type.empty() ? nullptr : type.c_str(), flags,
                args.data.empty() ? nullptr : args.data.c_str()) != 0) {
      auto err = os::ErrnoError("mount " + m.type + " " + m.source + " on " + target);
      (void)UnmountRootfs(target);
      return std::unexpected(err);
    }
    // A bind mount takes its other flags (ro, nosuid, ...) only on a remount.
    if (bind && (args.flags & ~(MS_BIND | MS_REC)) != 0 &&
        ::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | args.flags, nullptr) != 0) {
      auto err = os::ErrnoError("remount " + target);
      (void)UnmountRootfs(target);
      return std::unexpected(err);
    }
  }
  return {};
}

Result<> UnmountRootfs(const std::string& target) {
  while (::umount2(target.c_str(), MNT_DETACH) == 0) {
  }
  if (errno != EINVAL && errno != ENOENT) return os::FailErrno("unmount " + target);
  return {};
}

}  // namespace vc::shim

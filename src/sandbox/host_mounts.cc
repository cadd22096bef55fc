#include "sandbox/host_mounts.h"

#include <sys/mount.h>
#include <unistd.h>

#include "os/error.h"
#include "os/file.h"
#include "supervisor/supervisor.h"

namespace vc {

std::string HostRootfsPath(const std::string& sandbox_dir, const std::string& container_id) {
  return sandbox_dir + "/" + supervisor::kSharedDir + "/" + container_id + "/rootfs";
}

std::string GuestRootfsPath(const std::string& container_id) {
  return std::string(supervisor::kGuestSharedDir) + "/" + container_id + "/rootfs";
}

Result<> BindRootfs(const std::string& source, const std::string& sandbox_dir,
                    const std::string& container_id) {
  std::string target = HostRootfsPath(sandbox_dir, container_id);
  if (auto r = os::MakeDirs(target, 0755); !r) return r;
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    auto err = os::ErrnoError("bind " + source + " to " + target);
    (void)UnbindRootfs(sandbox_dir, container_id);
    return std::unexpected(err);
  }
  return {};
}

Result<> UnbindRootfs(const std::string& sandbox_dir, const std::string& container_id) {
  std::string target = HostRootfsPath(sandbox_dir, container_id);
  if (::umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return os::FailErrno("unmount " + target);
  std::string dir = target.substr(0, target.rfind('/'));
  ::rmdir(target.c_str());
  ::rmdir(dir.c_str());
  return {};
}

void DetachShare(const std::string& sandbox_dir) {
  std::string shared = sandbox_dir + "/" + supervisor::kSharedDir;
  while (::umount2(shared.c_str(), MNT_DETACH) == 0) {
  }
}

}  // namespace vc

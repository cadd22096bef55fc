// The container's root: its mounts and devices made under the root, then
// pivot_root, then what is set inside it (sysctls, read-only and masked
// paths, a read-only root, the root's propagation).
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/error.h"
#include "os/mount.h"
#include "setup/setup.h"

namespace vc::agent::setup {

Result<> EnterRootfs(const oci::Spec& spec) {
  const std::string& root = spec.root.path;
  const unsigned long propagation = os::ParseMountOptions({spec.linux.rootfs_propagation}).propagation;
  // Mounts made here must not reach the guest: the guest's tree becomes a
  // slave (runc's default) or private, as the spec asks. A shared root is
  // set after pivot_root, which refuses a shared parent.
  const unsigned long outside = (propagation & MS_PRIVATE) ? MS_PRIVATE : MS_SLAVE;
  if (::mount(nullptr, "/", nullptr, MS_REC | outside, nullptr) != 0) return os::FailErrno("make / a slave");
  if (::mount(root.c_str(), root.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return os::FailErrno("bind rootfs " + root);
  if (auto ok = MountAll(spec); !ok) return ok;
  if (auto ok = CreateDevices(spec); !ok) return ok;
  if (::chdir(root.c_str()) != 0) return os::FailErrno("chdir " + root);
  // pivot_root(".", ".") stacks the old root on the new one; unmounting "."
  // then takes the old root away, so nothing of the guest stays reachable.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return os::FailErrno("pivot_root to " + root);
  if (::umount2(".", MNT_DETACH) != 0) return os::FailErrno("detach the guest root");
  if (::chdir("/") != 0) return os::FailErrno("chdir /");
  if (auto ok = WriteSysctls(spec.linux); !ok) return ok;
  if (auto ok = ProtectPaths(spec.linux); !ok) return ok;
  if (spec.root.readonly && ::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | LockedFlags("/"), nullptr) != 0)
    return os::FailErrno("remount the root read-only");
  if (propagation && ::mount(nullptr, "/", nullptr, propagation, nullptr) != 0)
    return os::FailErrno("set the root's propagation to " + spec.linux.rootfs_propagation);
  return {};
}

}  // namespace vc::agent::setup

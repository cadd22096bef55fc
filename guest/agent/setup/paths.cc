// linux.readonlyPaths and linux.maskedPaths, inside the container's root
// (after pivot_root, so every path is the container's own).
#include <sys/mount.h>
#include <sys/stat.h>

#include "os/error.h"
#include "setup/setup.h"

namespace vc::agent::setup {

Result<> ProtectPaths(const oci::Linux& linux) {
  struct stat st {};
  for (const auto& path : linux.readonly_paths) {
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return os::FailErrno("read-only path " + path);
    }
    if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
        ::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC | LockedFlags(path), nullptr) != 0)
      return os::FailErrno("make " + path + " read-only");
  }
  for (const auto& path : linux.masked_paths) {
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return os::FailErrno("masked path " + path);
    }
    // A directory is hidden under an empty read-only tmpfs, a file under /dev/null.
    const int rc = S_ISDIR(st.st_mode)
                       ? ::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, "size=0")
                       : ::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr);
    if (rc != 0) return os::FailErrno("mask " + path);
  }
  return {};
}

}  // namespace vc::agent::setup

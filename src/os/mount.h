// Mount helpers shared by the host (the shim's rootfs) and the guest agent
// (container mounts): fstab-style options, and paths resolved inside a root.
#pragma once

#include <string>
#include <vector>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::os {

struct MountOptions {
  unsigned long flags = 0;        // mount(2) flags: MS_RDONLY, MS_BIND | MS_REC, ...
  unsigned long propagation = 0;  // MS_PRIVATE, MS_SHARED, MS_SLAVE or MS_UNBINDABLE (| MS_REC); 0: unset
  std::string data;               // the options that are not flags, comma-joined
};

// Splits fstab-style options ("ro", "rbind", "rprivate", "mode=755") into
// flags, propagation and data. A later option wins over an earlier one.
MountOptions ParseMountOptions(const std::vector<std::string>& options);
// The option names ParseMountOptions knows as flags or propagation, sorted.
std::vector<std::string> KnownMountOptions();

// Opens `path` inside `root` (O_PATH), resolving ".." and symlinks as if
// `root` were "/", so the result is never outside it, whatever the tree
// holds. With `make_dirs`, missing directories on the way are created (0755);
// a symlink whose target is missing stays an error (kNotFound).
Result<Fd> OpenInRoot(const std::string& root, const std::string& path, bool make_dirs);

// Mount points at or below `dir` in this process's mount namespace
// (/proc/self/mountinfo), deepest first: the order to unmount them in.
std::vector<std::string> MountPointsUnder(const std::string& dir);

// "/proc/self/fd/N": a path that names exactly what `fd` refers to, for
// calls that take paths (mount(2)).
std::string FdPath(const Fd& fd);

}  // namespace vc::os

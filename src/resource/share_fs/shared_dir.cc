#include "resource/share_fs/shared_dir.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "protocol/agent.h"
#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "os/mount.h"

namespace vc::resource {

namespace {

// A share name is a relative path that stays inside the share.
Result<> CheckName(const std::string& name) {
  bool bad = name.empty() || name.front() == '/' || name.back() == '/';
  for (size_t start = 0; !bad && start <= name.size();) {
    size_t end = std::min(name.find('/', start), name.size());
    std::string part = name.substr(start, end - start);
    bad = part.empty() || part == "." || part == "..";
    start = end + 1;
  }
  if (bad) return Fail(ErrorCode::kInvalidArgument, "invalid share name '" + name + "'");
  return {};
}

// A copy of `source`'s mount tree attached at `target`, made what `options`
// say before it is attached, so that the copies that propagate to
// virtiofsd's mount namespace are the same (a remount would change this copy
// only): read-only, and private or a slave of the source's mounts.
Result<> Bind(const std::string& source, const std::string& target, const ShareOptions& options) {
  os::Fd tree(::open_tree(AT_FDCWD, source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree) return os::FailErrno("copy the mount tree of " + source);
  mount_attr attr{};
  if (options.read_only) attr.attr_set = MOUNT_ATTR_RDONLY;
  attr.propagation = options.receive_host_mounts ? MS_SLAVE : MS_PRIVATE;
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
    return os::FailErrno("set up the copy of " + source);
  if (::move_mount(tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return os::FailErrno("bind " + source + " to " + target);
  return {};
}

}  // namespace

// shared/ is a bind mount of itself with shared propagation, so that what is
// bound under it later (container roots) also appears in virtiofsd's private
// mount namespace, a slave of ours.
Result<> SharedDir::Mount(const std::function<Result<>()>& checkpoint) {
  const std::string& shared = path_;
  mounted_ = true;  // recorded before it happens: a crash right after must still be undone
  if (auto r = checkpoint(); !r) return r;
  // Traversable by anyone, listable by root only: a container in a user
  // namespace reaches its root through it as its mapped uid. On the host the
  // sandbox directory around it is 0700.
  if (auto r = os::MakeDirs(shared, 0711); !r) return r;
  if (::chmod(shared.c_str(), 0711) != 0) return os::FailErrno("chmod " + shared);
  if (::mount(shared.c_str(), shared.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return os::FailErrno("bind " + shared);
  if (::mount(nullptr, shared.c_str(), nullptr, MS_SHARED, nullptr) != 0)
    return os::FailErrno("make " + shared + " shared");
  return {};
}

Result<std::string> SharedDir::Share(const std::string& name, const std::string& source, const ShareOptions& options) {
  if (auto r = CheckName(name); !r) return std::unexpected(r.error());
  const std::string target = path_ + "/" + name;
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return os::FailErrno("share " + source);
  if (S_ISDIR(st.st_mode)) {
    if (auto r = os::MakeDirs(target, 0755); !r) return std::unexpected(r.error());
  } else {
    // A file (or device) is bound onto an empty file of its own.
    if (auto r = os::MakeDirs(target.substr(0, target.rfind('/')), 0755); !r) return std::unexpected(r.error());
    os::Fd placeholder(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!placeholder) return os::FailErrno("create " + target);
  }
  if (auto bound = Bind(source, target, options); !bound) {
    (void)Unshare(name);
    return std::unexpected(bound.error());
  }
  return std::string(agent::kGuestShareDir) + "/" + name;
}

Result<> SharedDir::Unshare(const std::string& name) {
  if (auto r = CheckName(name); !r) return r;
  std::string target = path_ + "/" + name;
  for (const auto& point : os::MountPointsUnder(target))
    if (::umount2(point.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      return os::FailErrno("unmount " + point);
  // Nothing may be bound below any more: only what Share made is removed
  // (empty directories and empty placeholder files), never a shared tree.
  if (auto left = os::MountPointsUnder(target); !left.empty())
    return Fail(ErrorCode::kInternal, "still mounted: " + left.front());
  std::error_code ec;
  std::vector<std::string> made;
  for (auto it = std::filesystem::recursive_directory_iterator(target, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    made.push_back(it->path().string());
  std::sort(made.begin(), made.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& path : made) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) ::rmdir(path.c_str());
    else if (S_ISREG(st.st_mode) && st.st_size == 0) ::unlink(path.c_str());
  }
  if (::rmdir(target.c_str()) != 0) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) ::unlink(target.c_str());
  }
  // The directories Share made, up to the share's root, where empty.
  for (std::string dir = target.substr(0, target.rfind('/')); dir.size() > path_.size();
       dir.resize(dir.rfind('/')))
    if (::rmdir(dir.c_str()) != 0) break;
  return {};
}

void SharedDir::Unmount() {
  if (!mounted_) return;
  // A lazy unmount of shared/ takes whatever is still bound under it along.
  while (::umount2(path_.c_str(), MNT_DETACH) == 0) {
  }
  mounted_ = false;
}

}  // namespace vc::resource

// The spec's mounts[]: binds of what the host shared into the guest, and
// file systems made in the guest (proc, sysfs, tmpfs, devpts, mqueue,
// cgroup2, ...), each with its flags, data and propagation.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <set>
#include <sstream>

#include "oci/validate.h"
#include "os/error.h"
#include "os/file.h"
#include "os/mount.h"
#include "setup/setup.h"

namespace vc::agent::setup {

namespace {

// The guest's name for a spec's type: cgroup v1 does not exist here.
std::string GuestType(const std::string& type) { return type == "cgroup" ? "cgroup2" : type; }

// runc's own option, meaning "copy the image's files into the new tmpfs";
// not a mount option, and not honoured here (docs/oci.md).
bool RuntimeOnly(const std::string& option) { return option == "tmpcopyup"; }

// Where a mount goes: its destination resolved inside the root; a missing
// target is made (a directory, or an empty file when a file is bound there).
Result<os::Fd> Target(const std::string& root, const std::string& destination, bool file) {
  if (!file) return os::OpenInRoot(root, destination, true);
  size_t slash = destination.rfind('/');
  std::string parent = slash == 0 ? "/" : destination.substr(0, slash);
  auto dir = os::OpenInRoot(root, parent, true);
  if (!dir) return dir;
  os::Fd created(::openat(dir->get(), destination.substr(slash + 1).c_str(),
                          O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!created && errno != ELOOP) return os::FailErrno("create mount target " + destination);
  return os::OpenInRoot(root, destination, false);
}

Result<> Propagate(const std::string& path, const os::MountOptions& options, const std::string& what) {
  if (options.propagation && ::mount(nullptr, path.c_str(), nullptr, options.propagation, nullptr) != 0)
    return os::FailErrno("set the propagation of " + what);
  return {};
}

Result<> Bind(const std::string& root, const oci::Mount& m, const os::MountOptions& options) {
  struct stat st {};
  if (::stat(m.source.c_str(), &st) != 0) return os::FailErrno("mount source " + m.source);
  auto target = Target(root, m.destination, !S_ISDIR(st.st_mode));
  if (!target) return std::unexpected(target.error());
  if (::mount(m.source.c_str(), os::FdPath(*target).c_str(), nullptr, MS_BIND | (options.flags & MS_REC), nullptr) != 0)
    return os::FailErrno("bind mount " + m.destination);
  // A bind takes its flags only on a remount of the new mount.
  auto mounted = os::OpenInRoot(root, m.destination, false);
  if (!mounted) return std::unexpected(mounted.error());
  const std::string path = os::FdPath(*mounted);
  const unsigned long extra = options.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (extra && ::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | extra | LockedFlags(path), nullptr) != 0)
    return os::FailErrno("remount " + m.destination);
  return Propagate(path, options, m.destination);
}

// The calling process's cgroup directory ("0::/vc/c1" in /proc/self/cgroup).
std::string OwnCgroup() {
  auto text = os::ReadFile("/proc/self/cgroup");
  if (!text || !text->starts_with("0::")) return "";
  std::string path = text->substr(3);
  while (!path.empty() && path.back() == '\n') path.pop_back();
  return "/sys/fs/cgroup" + path;
}

Result<> MountFs(const std::string& root, const oci::Mount& m, const os::MountOptions& options) {
  auto target = Target(root, m.destination, false);
  if (!target) return std::unexpected(target.error());
  const std::string type = GuestType(m.type);
  const std::string source = m.source.empty() ? type : m.source;
  if (::mount(source.c_str(), os::FdPath(*target).c_str(), type.c_str(), options.flags,
              options.data.empty() ? nullptr : options.data.c_str()) != 0) {
    // In a user namespace without a network (cgroup) namespace of its own,
    // sysfs (cgroup2) may not be mounted: the guest's is bound instead, as
    // runc does; for cgroup2, only the container's own cgroup.
    const std::string fallback = type == "sysfs" ? "/sys" : type == "cgroup2" ? OwnCgroup() : "";
    if (errno != EPERM || fallback.empty())
      return os::FailErrno("mount " + type + " on " + m.destination +
                           (options.data.empty() ? "" : " (" + options.data + ")"));
    if (::mount(fallback.c_str(), os::FdPath(*target).c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      return os::FailErrno("bind the guest's " + fallback + " on " + m.destination);
    auto bound = os::OpenInRoot(root, m.destination, false);
    if (!bound) return std::unexpected(bound.error());
    const std::string path = os::FdPath(*bound);
    if ((options.flags & MS_RDONLY) &&
        ::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | LockedFlags(path), nullptr) != 0)
      return os::FailErrno("remount " + m.destination + " read-only");
  }
  auto mounted = os::OpenInRoot(root, m.destination, false);
  if (!mounted) return std::unexpected(mounted.error());
  return Propagate(os::FdPath(*mounted), options, m.destination);
}

}  // namespace

unsigned long LockedFlags(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  unsigned long flags = 0;
  const std::pair<unsigned long, unsigned long> map[] = {
      {ST_RDONLY, MS_RDONLY}, {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC},
      {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  for (auto [st_flag, ms_flag] : map)
    if (st.f_flag & st_flag) flags |= ms_flag;
  return flags;
}

Result<> CheckContainer(const oci::Spec& spec) {
  if (auto ok = oci::Validate(spec); !ok) return ok;
  if (const oci::Namespace* time = oci::FindNamespace(spec.linux, "time"); time && !time->path.empty())
    return Fail(ErrorCode::kUnimplemented,
                "linux.namespaces: joining the time namespace " + time->path + " is not supported");
  if (const oci::Namespace* user = oci::FindNamespace(spec.linux, "user"); user && !user->path.empty())
    return Fail(ErrorCode::kUnimplemented,
                "linux.namespaces: joining the user namespace " + user->path + " is not supported; give mappings instead");
  auto filesystems = os::ReadFile("/proc/filesystems");
  if (!filesystems) return std::unexpected(filesystems.error());
  std::set<std::string> known;
  std::istringstream lines(*filesystems);
  for (std::string line; std::getline(lines, line);)
    known.insert(line.substr(line.find('\t') + 1));
  for (const auto& m : spec.mounts)
    if (!oci::IsBind(m) && !known.contains(GuestType(m.type)))
      return Fail(ErrorCode::kInvalidArgument,
                  "mount " + m.destination + ": the guest kernel has no file system of type '" + m.type + "'");
  return {};
}

Result<> MountAll(const oci::Spec& spec) {
  for (const auto& m : spec.mounts) {
    std::vector<std::string> kept;
    for (const auto& o : m.options)
      if (!RuntimeOnly(o)) kept.push_back(o);
    const os::MountOptions options = os::ParseMountOptions(kept);
    auto ok = oci::IsBind(m) ? Bind(spec.root.path, m, options) : MountFs(spec.root.path, m, options);
    if (!ok) return ok;
  }
  return {};
}

}  // namespace vc::agent::setup

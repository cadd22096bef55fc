#include "shim/rootfs.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <map>

#include "os/error.h"

namespace vc::shim {

MountArgs ParseMountOptions(const std::vector<std::string>& options) {
  struct Flag {
    bool clear;
    unsigned long bits;
  };
  static const std::map<std::string, Flag> kFlags = {
      {"defaults", {false, 0}},        {"ro", {false, MS_RDONLY}},
      {"rw", {true, MS_RDONLY}},       {"nosuid", {false, MS_NOSUID}},
      {"suid", {true, MS_NOSUID}},     {"nodev", {false, MS_NODEV}},
      {"dev", {true, MS_NODEV}},       {"noexec", {false, MS_NOEXEC}},
      {"exec", {true, MS_NOEXEC}},     {"sync", {false, MS_SYNCHRONOUS}},
      {"async", {true, MS_SYNCHRONOUS}}, {"dirsync", {false, MS_DIRSYNC}},
      {"bind", {false, MS_BIND}},      {"rbind", {false, MS_BIND | MS_REC}},
      {"noatime", {false, MS_NOATIME}}, {"atime", {true, MS_NOATIME}},
      {"nodiratime", {false, MS_NODIRATIME}}, {"diratime", {true, MS_NODIRATIME}},
      {"relatime", {false, MS_RELATIME}}, {"norelatime", {true, MS_RELATIME}},
      {"strictatime", {false, MS_STRICTATIME}}};
  MountArgs out;
  for (const auto& option : options) {
    auto it = kFlags.find(option);
    if (it == kFlags.end()) {
      out.data += (out.data.empty() ? "" : ",") + option;
    } else if (it->second.clear) {
      out.flags &= ~it->second.bits;
    } else {
      out.flags |= it->second.bits;
    }
  }
  return out;
}

Result<> MountRootfs(const std::vector<Mount>& mounts, const std::string& target) {
  if (::mkdir(target.c_str(), 0711) != 0 && errno != EEXIST)
    return os::FailErrno("create " + target);
  for (const auto& m : mounts) {
    MountArgs args = ParseMountOptions(m.options);
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

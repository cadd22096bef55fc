#include "resource/disk/disk.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "os/error.h"
#include "os/file.h"

namespace vc::resource {

namespace {

constexpr off_t kExtMagicOffset = 1024 + 56;  // s_magic in the superblock at 1024
constexpr uint16_t kExtMagic = 0xEF53;

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

// The loop device of the host whose backing file is `path`, if one is.
std::string LoopDeviceOf(const std::string& path, const std::string& sys) {
  const std::string real = RealPath(path);
  for (const auto& name : os::ListDir(sys + "/block")) {
    if (!name.starts_with("loop")) continue;
    auto backing = os::ReadFile(sys + "/block/" + name + "/loop/backing_file");
    if (!backing) continue;
    std::string file = *backing;
    while (!file.empty() && file.back() == '\n') file.pop_back();
    if (file == real) return "/dev/" + name;
  }
  return "";
}

Result<std::string> Check(int fd, const std::string& path, const struct stat& st, const std::string& sys,
                          bool raw = false) {
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
    return Fail(ErrorCode::kInvalidArgument, path + " is neither a block device nor a regular file");
  if (S_ISREG(st.st_mode)) {
    if (std::string loop = LoopDeviceOf(path, sys); !loop.empty())
      return Fail(ErrorCode::kFailedPrecondition,
                  path + " is in use on the host: " + loop + " is backed by it (detach it: losetup -d " + loop + ")");
  }
  if (raw) return std::string();
  return DetectFsType(fd, path);
}

}  // namespace

Result<std::string> DetectFsType(int fd, const std::string& path) {
  std::array<unsigned char, 4> head{};
  if (::pread(fd, head.data(), head.size(), 0) != static_cast<ssize_t>(head.size()))
    return Fail(ErrorCode::kInvalidArgument, path + " is too small to hold a file system");
  if (std::memcmp(head.data(), "XFSB", 4) == 0) return std::string("xfs");
  unsigned char magic[2];
  if (::pread(fd, magic, sizeof magic, kExtMagicOffset) == sizeof magic &&
      (magic[0] | magic[1] << 8) == kExtMagic)
    return std::string("ext4");
  return Fail(ErrorCode::kInvalidArgument,
              path + " holds no file system the guest can mount (ext2/3/4 or xfs; e.g. mkfs.ext4 " + path + ")");
}

std::string HostBlockDevice(int64_t major, int64_t minor, const std::string& sys) {
  if (major < 0 || minor < 0) return "";
  auto uevent = os::ReadFile(sys + "/dev/block/" + std::to_string(major) + ":" + std::to_string(minor) + "/uevent");
  if (!uevent) return "";
  size_t at = uevent->find("DEVNAME=");
  if (at == std::string::npos || (at > 0 && (*uevent)[at - 1] != '\n')) return "";
  at += 8;
  std::string name = uevent->substr(at, uevent->find('\n', at) - at);
  if (name.empty() || name.find("..") != std::string::npos) return "";
  return "/dev/" + name;
}

Result<std::string> CheckDisk(const std::string& path, const std::string& sys) {
  os::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return os::FailErrno("open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return os::FailErrno("stat " + path);
  return Check(fd.get(), path, st, sys);
}

Result<OpenedDisk> OpenDisk(const std::string& path, bool read_only, bool raw, const std::string& sys) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return os::FailErrno("stat " + path);
  // O_EXCL on a block device: the kernel's exclusive claim (EBUSY when mounted).
  const int flags = (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | (S_ISBLK(st.st_mode) ? O_EXCL : 0);
  os::Fd fd(::open(path.c_str(), flags));
  if (!fd && errno == EBUSY)
    return Fail(ErrorCode::kFailedPrecondition,
                path + " is in use on the host (mounted, or held by device-mapper, md or another VM)");
  if (!fd) return os::FailErrno("open " + path);
  if (::fstat(fd.get(), &st) != 0) return os::FailErrno("stat " + path);
  auto fstype = Check(fd.get(), path, st, sys, raw);
  if (!fstype) return std::unexpected(fstype.error());
  return OpenedDisk{std::move(fd), S_ISBLK(st.st_mode), *fstype};
}

hypervisor::BlockDevice DeviceOf(const std::string& id, const std::string& path, const OpenedDisk& disk,
                                 bool read_only, const std::string& driver) {
  return {id, path, disk.fd.get(), read_only, disk.host_device, driver};
}

Result<> MatchFsType(const std::string& path, const std::string& stated, const std::string& detected) {
  if (stated.empty() || (stated.starts_with("ext") ? "ext4" : stated) == detected) return {};
  return Fail(ErrorCode::kInvalidArgument, path + " holds " + detected + ", not " + stated);
}

Result<uint64_t> DiskSize(const std::string& path) {
  os::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return os::FailErrno("open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return os::FailErrno("stat " + path);
  if (!S_ISBLK(st.st_mode)) return static_cast<uint64_t>(st.st_size);
  uint64_t bytes = 0;
  if (::ioctl(fd.get(), BLKGETSIZE64, &bytes) != 0) return os::FailErrno("size of " + path);
  return bytes;
}

}  // namespace vc::resource

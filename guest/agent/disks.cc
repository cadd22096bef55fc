#include "disks.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <xfs/xfs.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <sstream>

#include "protocol/agent.h"
#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "os/mount.h"
#include "pci.h"

namespace vc::agent::disks {

namespace {

bool ParseUint(std::string_view text, int base, unsigned max, unsigned& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

// The only entry of `dir` (a block device's block/ has one), or kNotFound.
Result<std::string> OnlyEntry(const std::string& dir, const std::string& what) {
  auto names = os::ListDir(dir);
  if (names.size() != 1) return Fail(ErrorCode::kNotFound, what + " has no block device yet");
  return names[0];
}

Result<std::string> FindPci(const std::string& sys, const std::string& path) {
  auto found = pci::DeviceDir(sys, path);
  if (!found) return std::unexpected(found.error());
  const std::string& device = *found;
  for (const auto& entry : os::ListDir(device))
    if (entry.starts_with("virtio")) return OnlyEntry(device + "/" + entry + "/block", "PCI device " + path);
  return Fail(ErrorCode::kNotFound, "PCI device " + path + " has no virtio device yet");
}

Result<std::string> FindScsi(const std::string& sys, const std::string& address) {
  const size_t colon = address.find(':');
  unsigned target = 0;
  unsigned lun = 0;
  if (colon == std::string::npos || !ParseUint(std::string_view(address).substr(0, colon), 10, 255, target) ||
      !ParseUint(std::string_view(address).substr(colon + 1), 10, 16383, lun))
    return Fail(ErrorCode::kInvalidArgument, "SCSI address '" + address + "': want TARGET:LUN, e.g. 1:0");
  // Entries are HOST:CHANNEL:TARGET:LUN; the guest has one SCSI host.
  const std::string suffix = ":0:" + std::to_string(target) + ":" + std::to_string(lun);
  const std::string devices = sys + "/bus/scsi/devices/";
  for (const auto& entry : os::ListDir(devices))
    if (entry.ends_with(suffix) && entry.find(':') == entry.size() - suffix.size())
      return OnlyEntry(devices + entry + "/block", "SCSI disk " + address);
  return Fail(ErrorCode::kNotFound, "no SCSI disk at " + address);
}

// Where the host may have a disk mounted: a directory of its own under the
// disks' directory.
Result<> CheckMountPoint(const std::string& path) {
  const std::string dir = std::string(kGuestDiskDir) + "/";
  if (!path.starts_with(dir) || path.size() == dir.size() || path.find("/../") != std::string::npos ||
      path.ends_with("/..") || path.find("/./") != std::string::npos)
    return Fail(ErrorCode::kInvalidArgument, "disk mount point '" + path + "' is not under " + dir);
  return {};
}

Result<> MountOne(const Mount& disk, const std::string& name) {
  const auto options = os::ParseMountOptions(disk.options);
  const unsigned long flags = options.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                               MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_SYNCHRONOUS |
                                               MS_DIRSYNC | MS_LAZYTIME);
  const std::string device = "/dev/" + name;
  if (::mount(device.c_str(), disk.mount_point.c_str(), disk.fstype.c_str(), flags,
              options.data.empty() ? nullptr : options.data.c_str()) != 0) {
    const int err = errno;
    auto e = os::ErrnoError("mount " + device + " (" + disk.driver + " " + disk.address + ", " + disk.fstype + ") on " +
                            disk.mount_point, err);
    // Named but not ready: no device node yet, or a disk whose capacity is not read yet.
    if (err == ENOENT || err == ENXIO) e.code = ErrorCode::kNotFound;
    return std::unexpected(e);
  }
  return {};
}

}  // namespace

Result<std::string> Find(const std::string& sys, const std::string& driver, const std::string& address) {
  if (driver == "virtio-blk") return FindPci(sys, address);
  if (driver == "virtio-scsi") return FindScsi(sys, address);
  return Fail(ErrorCode::kInvalidArgument, "unknown disk driver '" + driver + "': virtio-blk or virtio-scsi");
}

namespace {

// The disk's numbers in the guest, from /sys/class/block/<name>/dev ("254:16").
Result<DeviceNumbers> NumbersOf(const std::string& name, const std::string& path) {
  auto dev = os::ReadFile("/sys/class/block/" + name + "/dev");
  if (!dev) return std::unexpected(dev.error());
  unsigned major = 0;
  unsigned minor = 0;
  if (std::sscanf(dev->c_str(), "%u:%u", &major, &minor) != 2)
    return Fail(ErrorCode::kInternal, "/sys/class/block/" + name + "/dev: '" + *dev + "'");
  return DeviceNumbers{path, major, minor};
}

}  // namespace

asio::awaitable<Result<Attached>> MountAll(std::vector<Mount> disks, std::chrono::milliseconds timeout) {
  Attached attached;
  auto fail = [&](Error e) -> Result<Attached> {
    UnmountAll(attached.mount_points);
    return std::unexpected(std::move(e));
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& disk : disks) {
    const bool device = !disk.device_path.empty();
    if (device && (disk.device_path.size() < 6 || !disk.device_path.starts_with("/dev/")))
      co_return fail({ErrorCode::kInvalidArgument, "disk device path '" + disk.device_path + "' is not under /dev"});
    if (!device) {
      if (auto ok = CheckMountPoint(disk.mount_point); !ok) co_return fail(ok.error());
      if (disk.fstype != "ext4" && disk.fstype != "xfs")
        co_return fail({ErrorCode::kInvalidArgument, "disk file system '" + disk.fstype + "': ext4 or xfs"});
      if (auto ok = os::MakeDirs(disk.mount_point, 0755); !ok) co_return fail(ok.error());
    }
    // Not there yet: no sysfs entry, or one whose device node or disk is not
    // ready (a SCSI disk is named before its capacity is read: ENXIO).
    for (;;) {
      Result<> ok;
      auto name = Find("/sys", disk.driver, disk.address);
      if (!name) {
        ok = std::unexpected(name.error());
      } else if (device) {
        auto numbers = NumbersOf(*name, disk.device_path);
        if (numbers) attached.devices.push_back(*numbers);
        else ok = std::unexpected(numbers.error());
      } else {
        ok = MountOne(disk, *name);
      }
      if (ok) break;
      if (ok.error().code != ErrorCode::kNotFound) co_return fail(ok.error());
      if (std::chrono::steady_clock::now() > deadline)
        co_return fail(ok.error().Wrap("the " + disk.driver + " disk at " + disk.address + " did not appear within " +
                                       std::to_string(timeout.count() / 1000) + " s"));
      asio::steady_timer tick(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
      co_await tick.async_wait(vc::kTuple);
    }
    if (!device) attached.mount_points.push_back(disk.mount_point);
  }
  co_return attached;
}

void Renumber(oci::Spec& spec, const std::vector<DeviceNumbers>& devices) {
  for (const auto& numbers : devices)
    for (auto& d : spec.linux.devices) {
      if (d.path != numbers.path || d.type != "b") continue;
      if (spec.linux.resources)
        for (auto& rule : spec.linux.resources->devices)
          if ((rule.type == "b" || rule.type == "a" || rule.type.empty()) && rule.major == d.major &&
              rule.minor == d.minor) {
            rule.major = numbers.major;
            rule.minor = numbers.minor;
          }
      d.major = numbers.major;
      d.minor = numbers.minor;
    }
}

namespace {

// "major:minor" of the block device mounted at `mount_point`.
Result<std::string> MountedDevice(const std::string& mount_point) {
  auto table = os::ReadFile("/proc/self/mountinfo");
  if (!table) return std::unexpected(table.error());
  std::istringstream lines(*table);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, numbers, root, point;
    if (fields >> id >> parent >> numbers >> root >> point && point == mount_point) return numbers;
  }
  return Fail(ErrorCode::kNotFound, "no disk is mounted at " + mount_point);
}

}  // namespace

asio::awaitable<Result<>> Grow(std::string mount_point, uint64_t bytes, std::chrono::milliseconds timeout) {
  if (auto ok = CheckMountPoint(mount_point); !ok) co_return std::unexpected(ok.error());
  auto numbers = MountedDevice(mount_point);
  if (!numbers) co_return std::unexpected(numbers.error());
  const std::string dev = "/sys/dev/block/" + *numbers;
  // A SCSI disk reads its capacity again when asked; virtio-blk is told.
  if (os::Exists(dev + "/device/rescan")) {
    os::Fd rescan(::open((dev + "/device/rescan").c_str(), O_WRONLY | O_CLOEXEC));
    if (!rescan || ::write(rescan.get(), "1", 1) != 1) co_return os::FailErrno("rescan " + dev);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto sectors = os::ReadFile(dev + "/size");
    if (!sectors) co_return std::unexpected(sectors.error());
    const uint64_t now = std::strtoull(sectors->c_str(), nullptr, 10) * 512;
    if (now >= bytes) break;
    if (std::chrono::steady_clock::now() > deadline)
      co_return Fail(ErrorCode::kDeadlineExceeded, "the disk at " + mount_point + " still has " + std::to_string(now) +
                                                       " bytes, not " + std::to_string(bytes));
    asio::steady_timer tick(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
    co_await tick.async_wait(vc::kTuple);
  }
  struct statfs fs {};
  if (::statfs(mount_point.c_str(), &fs) != 0) co_return os::FailErrno("statfs " + mount_point);
  os::Fd dir(::open(mount_point.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) co_return os::FailErrno("open " + mount_point);
  switch (fs.f_type) {
    case EXT4_SUPER_MAGIC: {
      // EXT4_IOC_RESIZE_FS: the new size in file system blocks.
      constexpr unsigned long kExt4ResizeFs = _IOW('f', 16, uint64_t);
      uint64_t blocks = bytes / fs.f_bsize;
      if (::ioctl(dir.get(), kExt4ResizeFs, &blocks) != 0)
        co_return os::FailErrno("grow the ext4 file system at " + mount_point + " to " + std::to_string(blocks) +
                                " blocks");
      co_return Result<>();
    }
    case XFS_SUPER_MAGIC: {
      // The data section grows to the new size in blocks; the inode space
      // limit (a percentage of the size) is kept as it is.
      xfs_fsop_geom geometry{};
      if (::ioctl(dir.get(), XFS_IOC_FSGEOMETRY, &geometry) != 0)
        co_return os::FailErrno("read the xfs geometry at " + mount_point);
      xfs_growfs_data grow{.newblocks = bytes / geometry.blocksize, .imaxpct = geometry.imaxpct};
      if (grow.newblocks <= geometry.datablocks) co_return Result<>();
      if (::ioctl(dir.get(), XFS_IOC_FSGROWFSDATA, &grow) != 0)
        co_return os::FailErrno("grow the xfs file system at " + mount_point + " to " +
                                std::to_string(grow.newblocks) + " blocks");
      co_return Result<>();
    }
    default:
      co_return Fail(ErrorCode::kUnimplemented,
                     "the file system at " + mount_point + " is neither ext4 nor xfs: it does not grow online here");
  }
}

Result<VolumeStats> Stats(const std::string& mount_point) {
  if (auto ok = CheckMountPoint(mount_point); !ok) return std::unexpected(ok.error());
  struct statfs fs {};
  if (::statfs(mount_point.c_str(), &fs) != 0) return os::FailErrno("statfs " + mount_point);
  const uint64_t unit = fs.f_frsize ? fs.f_frsize : fs.f_bsize;
  VolumeStats stats;
  stats.guest_path = mount_point;
  stats.capacity_bytes = fs.f_blocks * unit;
  stats.used_bytes = (fs.f_blocks - fs.f_bfree) * unit;
  stats.available_bytes = fs.f_bavail * unit;
  stats.inodes = fs.f_files;
  stats.inodes_used = fs.f_files - fs.f_ffree;
  return stats;
}

void UnmountAll(const std::vector<std::string>& mount_points) {
  for (auto it = mount_points.rbegin(); it != mount_points.rend(); ++it) {
    // Busy only if something still holds it: detached then, written out once released.
    if (::umount2(it->c_str(), 0) != 0 && errno == EBUSY) ::umount2(it->c_str(), MNT_DETACH);
    ::rmdir(it->c_str());
    const std::string parent = it->substr(0, it->rfind('/'));
    if (parent.size() > std::string(kGuestDiskDir).size()) ::rmdir(parent.c_str());
  }
}

}  // namespace vc::agent::disks

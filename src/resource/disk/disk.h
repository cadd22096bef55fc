// Disks: a host block device or a file holding one file system, given to
// the VM whole (a container's block root, a block volume). Opened and checked
// here, before the hypervisor sees them: the hypervisor gets the descriptor
// and opens no path. Nothing is left on the host to undo: no loop device, no
// mapping; the claim on a block device ends with the VMM's last descriptor.
#pragma once

#include <string>

#include "hypervisor/device.h"
#include "os/fd.h"
#include "vc/result.h"

namespace vc::resource {

// The file system at the start of `fd` (`path` names it in messages): "ext4"
// (ext2, ext3 and ext4: the guest's ext4 driver mounts all three) or "xfs",
// the two the guest kernel has; kInvalidArgument for anything else.
Result<std::string> DetectFsType(int fd, const std::string& path);

// kInvalidArgument unless a disk found holding `detected` (DetectFsType's
// answer) is what `stated` asks (empty: anything; ext2/ext3/ext4: ext4).
Result<> MatchFsType(const std::string& path, const std::string& stated, const std::string& detected);

// Why `path` may not be given to a VM, checked without keeping it open: not
// a regular file or block device, no file system the guest mounts, a file a
// host loop device is backed by (`sys`: where sysfs is). Returns its file
// system.
Result<std::string> CheckDisk(const std::string& path, const std::string& sys = "/sys");

// The host's block device numbered `major`:`minor` ("/dev/sdb"), as sysfs
// at `sys` names it; empty if the host has none.
std::string HostBlockDevice(int64_t major, int64_t minor, const std::string& sys = "/sys");

// The size of the image file or block device at `path`, in bytes.
Result<uint64_t> DiskSize(const std::string& path);

struct OpenedDisk {
  os::Fd fd;
  bool host_device = false;  // a block device, else a regular file
  std::string fstype;
};

// Opens `path` for a VM, after CheckDisk (`raw`: a disk whose content is the
// container's business, a device node; no file system needed). A block
// device is opened exclusively: one that is mounted or held by another
// program (a file system, device-mapper, another VM) is refused, and none of
// those can take it while the VM has it.
Result<OpenedDisk> OpenDisk(const std::string& path, bool read_only, bool raw = false, const std::string& sys = "/sys");

// The device the VM gets: `disk`'s descriptor under `id`, on `driver`.
hypervisor::BlockDevice DeviceOf(const std::string& id, const std::string& path, const OpenedDisk& disk,
                                 bool read_only, const std::string& driver);

}  // namespace vc::resource

// Disks the host attaches for containers (block roots, block volumes): found
// by their address on their bus, never by the order the kernel named them
// in, mounted where the host asks and unmounted with the container.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "oci/spec.h"
#include "os/asio.h"
#include "vc/result.h"
#include "vc/types.h"

namespace vc::agent::disks {

// The kernel's name of the disk ("vda", "sdb") at `address` on `driver`'s
// bus, as the sysfs tree at `sys` shows it:
//   "virtio-blk"   a PCI path ("02/00"): each bridge's slot from the root bus,
//                  then the device's; its virtio device's block/<name>
//   "virtio-scsi"  "TARGET:LUN" on the (one) SCSI host, channel 0
// kNotFound while it has not appeared; kInvalidArgument for an address that
// cannot be one.
Result<std::string> Find(const std::string& sys, const std::string& driver, const std::string& address);

// A container's disk: what the host's Storage message says. Mounted at
// `mount_point`, or, with `device_path`, the disk behind that linux.devices entry.
struct Mount {
  std::string driver;
  std::string address;
  std::string fstype;
  std::vector<std::string> options;
  std::string mount_point;
  std::string device_path;
};

// A linux.devices entry's numbers in the guest.
struct DeviceNumbers {
  std::string path;
  int64_t major = 0;
  int64_t minor = 0;
};

struct Attached {
  std::vector<std::string> mount_points;
  std::vector<DeviceNumbers> devices;
};

// Waits (up to `timeout`; a hot-plugged disk takes a moment to appear) for
// each disk, then mounts it or reads its numbers. On failure, what was
// mounted is unmounted again.
asio::awaitable<Result<Attached>> MountAll(std::vector<Mount> disks, std::chrono::milliseconds timeout);

// Gives the spec's device entries the guest's numbers, and the device
// cgroup rules that named the host's numbers for them the same.
void Renumber(oci::Spec& spec, const std::vector<DeviceNumbers>& devices);

// The file system of the disk mounted at `mount_point` (under the disks'
// directory), as statfs(2) sees it.
Result<VolumeStats> Stats(const std::string& mount_point);

// After the host grew the disk mounted at `mount_point` to `bytes`: waits
// (up to `timeout`) for the guest to see the new capacity (a SCSI disk is
// asked to look again), then grows its file system online (ext4 or xfs).
// Never shrinks.
asio::awaitable<Result<>> Grow(std::string mount_point, uint64_t bytes, std::chrono::milliseconds timeout);

// Unmounts each mount point (its disk's data written out) and removes it.
void UnmountAll(const std::vector<std::string>& mount_points);

}  // namespace vc::agent::disks

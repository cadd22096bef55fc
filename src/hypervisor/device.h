// The devices a VM can be given, one value type per kind, independent of the
// hypervisor. Resources (src/resource/) describe what they need as devices;
// a backend turns each into its own terms (QEMU: command-line options before
// boot, QMP hot-plug after). Plain data; thread-safety: none needed.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace vc::hypervisor {

// The guest's serial console, written to a host file: `log_path`, or the
// write end `fd` of a pipe whose reader (the supervisor) keeps the log.
struct ConsoleDevice {
  std::string id = "console";
  std::string log_path;
  int fd = -1;
};

// A named virtio-serial port whose host end is a unix socket the hypervisor
// listens on (the agent channel when there is no vsock).
struct SerialPortDevice {
  std::string id;
  std::string socket_path;
  std::string name;  // what the guest sees in /sys/class/virtio-ports/*/name
};

// A virtio-fs share served by a vhost-user daemon (virtiofsd).
struct ShareFsDevice {
  std::string id;
  std::string socket_path;  // the daemon's vhost-user socket
  std::string tag;          // the guest mounts the share by this tag
  uint32_t queue_size = 1024;
};

// A virtio-9p share of a host directory, served by the hypervisor itself.
struct Share9pDevice {
  std::string id;
  std::string path;  // the host directory
  std::string tag;   // the guest mounts the share by this tag
};

// A vhost-vsock device: the host reaches the guest at AF_VSOCK `guest_cid`.
struct VsockDevice {
  std::string id = "vsock";
  uint32_t guest_cid = 0;
};

// A virtio-net interface backed by a host tap (or macvtap) device that the
// caller has opened: one descriptor per queue, owned by the caller, which
// keeps them open until the hypervisor has its own (after Start or HotPlug).
struct NetDevice {
  std::string id;
  std::vector<int> fds;  // multiqueue when more than one
  std::string mac;       // "aa:bb:cc:dd:ee:ff"; the guest interface carries it
  bool vhost = false;    // in-kernel backend (/dev/vhost-net)
};

// A disk: a host block device or a file holding a disk image (raw). The
// caller opens it (read-only or read-write, as `read_only` says) and keeps
// the descriptor open until the hypervisor has its own (after Start or
// HotPlug); the hypervisor reads and writes through it and opens no path.
// `path` names it in messages.
inline constexpr const char* kVirtioBlk = "virtio-blk";
inline constexpr const char* kVirtioScsi = "virtio-scsi";
struct BlockDevice {
  std::string id;
  std::string path;
  int fd = -1;
  bool read_only = false;
  bool host_device = false;  // `path` is a block device, not a regular file
  // kVirtioBlk: a PCI device of its own (virtio-mmio on microvm);
  // kVirtioScsi: a disk on the VM's one virtio-scsi controller.
  std::string driver = kVirtioBlk;
};

// A host PCI function passed through with VFIO: the hypervisor opens the
// function's IOMMU group (/dev/vfio/<group>), which must be bound to
// vfio-pci (resource/vfio does that). On PCIe only, in a root port of its own.
struct VfioDevice {
  std::string id;
  std::string address;  // the host's PCI address, "0000:01:00.0"
};

using Device = std::variant<ConsoleDevice, SerialPortDevice, ShareFsDevice, Share9pDevice, VsockDevice,
                            NetDevice, BlockDevice, VfioDevice>;

// The device's id (unique within one VM) and its kind's name, for messages.
const std::string& DeviceId(const Device& device);
const char* KindOf(const Device& device);

}  // namespace vc::hypervisor

// QEMU's command line for a sandbox VM, as an argv vector. Pure: no I/O.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hypervisor/hypervisor.h"

namespace vc::hypervisor::qemu {

struct ArgvInput {
  const VmSpec& spec;
  const std::vector<Device>& devices;  // cold-plugged, in this order
  std::string binary;  // resolved path of qemu-system-x86_64
  std::string accel;   // "kvm" or "tcg"
  // What the VM may grow to by hot-plug (the configuration's maximum, the
  // host's where it says 0); no larger than its boot size (or no memory
  // slots): no growth.
  uint32_t max_vcpus = 0;
  uint32_t max_memory_mib = 0;
  // The host's TSC frequency, which a TCG guest's TSC runs at; microvm's
  // guest is told it (0: not known, not told).
  uint32_t tsc_khz = 0;
  // What a rootless QEMU cannot open itself (the sandbox's directory is not
  // its own), opened by the caller and passed to it by number: the QMP
  // listener, and by device id the console's file, a serial port's listener
  // and the share daemon's connected socket. -1 / absent: QEMU opens the path.
  int qmp_fd = -1;
  std::map<std::string, int> device_fds = {};
  // The SCSI target of each cold-plugged virtio-scsi disk, by device id.
  std::map<std::string, uint32_t> scsi_targets = {};
};

Result<std::vector<std::string>> BuildArgv(const ArgvInput& in);

// The options that cold-plug one device on `machine` (q35: virtio over PCI;
// microvm: over MMIO). A ShareFsDevice also needs the shared memory backend
// BuildArgv adds once; a SerialPortDevice the virtio-serial controller
// "serial0"; a virtio-scsi BlockDevice the controller kScsiController, on
// which it takes target `scsi_target`; a VfioDevice its root port
// (VfioPortId). `fd`: see ArgvInput::device_fds.
std::vector<std::string> DeviceArgs(const Device& device, const std::string& machine, int fd = -1,
                                    uint32_t scsi_target = 0);

// The VM's virtio-scsi controller (there when a disk needs it, or when
// HypervisorConfig::block_device_driver says disks will).
inline constexpr const char* kScsiController = "scsi0";

// A disk's block node (-blockdev, blockdev-add): QEMU's file or
// host_device driver on `filename`, read-only as the disk is.
std::string BlockNodeName(const std::string& device_id);
nlohmann::json BlockdevOptions(const BlockDevice& disk, const std::string& filename);

// A value for a QEMU option string: commas doubled, so a path cannot end the
// option and start another.
std::string OptionValue(const std::string& value);

// TCG's translation cache when HypervisorConfig::tcg_cache_mib is 0. QEMU's
// own default (1 GiB, filled as code is translated) let an idle guest's cache
// cost ~70 MB of host memory.
inline constexpr uint32_t kDefaultTcgCacheMib = 32;

// The id of the i-th empty PCIe root port (hot-plug slot) BuildArgv adds.
std::string RootPortId(uint32_t index);
// The root port BuildArgv adds for cold-plugged VFIO device `id`.
std::string VfioPortId(const std::string& id);

}  // namespace vc::hypervisor::qemu

// The QEMU backend: launches qemu-system-x86_64 as a child process and
// controls it over QMP.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>

#include "hypervisor/hypervisor.h"

namespace vc::hypervisor::qemu {

// Shared by qemu.cc (start, stop, state) and live.cc (the running VM).
inline constexpr std::chrono::seconds kQmpTimeout{10};
inline constexpr uint32_t kDimmMib = 128;        // x86's memory block: the unit the guest onlines
inline constexpr uint32_t kMaxScsiTarget = 255;  // virtio-scsi's targets on one channel

class QemuHypervisor : public Hypervisor {
 public:
  std::string Name() const override { return "qemu"; }
  Capabilities GetCapabilities() const override;
  Result<> Start(const VmSpec& spec) override;
  Result<> Attach(const nlohmann::json& state) override;
  nlohmann::json Save() const override;
  Result<> Stop(std::chrono::milliseconds grace) override;
  Result<> Pause() override;
  Result<> Resume() override;
  std::vector<pid_t> Pids() const override;
  std::string Accelerator() const override { return accel_; }
  // vCPUs by device_add into free CPU slots; memory in DIMMs of 128 MiB
  // multiples (the guest onlines whole memory blocks), one per call, up to
  // maxmem and while one of memory_slots is free.
  Result<VmSize> Grow(const VmSize& want) override;
  Result<std::vector<pid_t>> VcpuThreads() override;
  Result<> SaveState(const std::string& path) override;
  Result<std::string> DeviceAddress(const std::string& id) override;
  // block_resize of the disk's node.
  Result<> ResizeDisk(const std::string& id, uint64_t bytes) override;

 protected:
  bool Running() const override { return pid_ > 0; }
  // NICs, virtio-blk disks and VFIO devices go into the empty PCIe root
  // ports the command line made; virtio-scsi disks onto the SCSI controller.
  Result<> HotPlug(const Device& device) override;
  Result<> HotUnplug(const Device& device) override;

 private:
  Result<> SetRunning(bool running);
  Result<> Reap();
  Result<> CheckAlive() const;
  // The first root port no hot-plugged device occupies; "" if none is free.
  std::string FreePort() const;
  Result<> PlugDisk(const BlockDevice& disk);

  pid_t pid_ = 0;
  std::string qmp_socket_;
  std::string accel_;
  std::string binary_;
  std::string machine_;  // HypervisorConfig::machine_type
  uint32_t root_ports_ = 0;
  std::map<std::string, std::string> port_of_;  // hot-plugged device id -> root port
  bool scsi_controller_ = false;
  std::map<std::string, uint32_t> scsi_target_;  // SCSI disk id -> its target (LUN 0)
  std::map<std::string, int64_t> fdset_of_;      // hot-plugged disk id -> the fd set holding its file
  VmSize size_;      // now
  VmSize max_size_;  // what it may grow to
  uint32_t memory_slots_ = 0;
  uint32_t dimms_ = 0;          // hot-plugged so far
  bool shared_memory_ = false;  // guest memory is a shared memfd (vhost-user devices)
  uid_t rootless_uid_ = 0;      // HypervisorConfig::rootless: QEMU's own user and group; 0: root
};

}  // namespace vc::hypervisor::qemu

#include "hypervisor/qemu/argv.h"

#include <algorithm>

namespace vc::hypervisor::qemu {

namespace {

using Args = std::vector<std::string>;

// A virtio device's QEMU name on the machine's transport: "-pci" on q35,
// "-device" (virtio-mmio) on microvm.
std::string Virtio(const std::string& kind, bool mmio) { return kind + (mmio ? "-device" : "-pci"); }

// `fd` >= 0: the host end, opened by the caller and passed to QEMU (which
// then opens no path of its own); a file goes through an fd set. Appending:
// QEMU would truncate it otherwise, which a pipe refuses.
Args ArgsOf(const ConsoleDevice& d, bool, int fd) {
  if (fd >= 0)
    return {"-add-fd", "fd=" + std::to_string(fd) + ",set=" + std::to_string(fd),
            "-chardev", "file,id=" + d.id + ",path=/dev/fdset/" + std::to_string(fd) + ",append=on",
            "-serial", "chardev:" + d.id};
  return {"-chardev", "file,id=" + d.id + ",path=" + OptionValue(d.log_path),
          "-serial", "chardev:" + d.id};
}

Args ArgsOf(const SerialPortDevice& d, bool, int fd) {
  const std::string where = fd >= 0 ? "fd=" + std::to_string(fd) : "path=" + OptionValue(d.socket_path);
  return {"-chardev", "socket,id=" + d.id + "," + where + ",server=on,wait=off",
          "-device", "virtserialport,bus=serial0.0,chardev=" + d.id + ",name=" + OptionValue(d.name)};
}

Args ArgsOf(const ShareFsDevice& d, bool mmio, int fd) {
  const std::string where = fd >= 0 ? "fd=" + std::to_string(fd) : "path=" + OptionValue(d.socket_path);
  return {"-chardev", "socket,id=" + d.id + "," + where,
          "-device", Virtio("vhost-user-fs", mmio) + ",id=" + d.id + ",chardev=" + d.id +
                         ",tag=" + OptionValue(d.tag) + ",queue-size=" + std::to_string(d.queue_size)};
}

// security_model=none: files keep the owners and modes the guest sets (QEMU
// runs as root), and what the host refuses is ignored, as with virtiofsd.
// multidevs=remap: the container roots bound under the share are other file
// systems; their inode numbers are remapped so that they cannot collide.
Args ArgsOf(const Share9pDevice& d, bool mmio, int) {
  return {"-fsdev", "local,id=" + d.id + ",path=" + OptionValue(d.path) + ",security_model=none,multidevs=remap",
          "-device", Virtio("virtio-9p", mmio) + ",id=" + d.id + ",fsdev=" + d.id + ",mount_tag=" + OptionValue(d.tag)};
}

Args ArgsOf(const VsockDevice& d, bool mmio, int) {
  return {"-device", Virtio("vhost-vsock", mmio) + ",id=" + d.id + ",guest-cid=" + std::to_string(d.guest_cid)};
}

Args ArgsOf(const NetDevice& d, bool mmio, int) {
  std::string fds;
  for (int fd : d.fds) fds += (fds.empty() ? "" : ":") + std::to_string(fd);
  std::string netdev = "tap,id=" + d.id + (d.fds.size() > 1 ? ",fds=" : ",fd=") + fds;
  if (d.vhost) netdev += ",vhost=on";
  std::string device = Virtio("virtio-net", mmio) + ",id=" + d.id + ",netdev=" + d.id + ",mac=" + d.mac;
  // Interrupt vectors are MSI-X, PCI's; virtio-mmio has one interrupt.
  if (d.fds.size() > 1)
    device += mmio ? ",mq=on" : ",mq=on,vectors=" + std::to_string(2 * d.fds.size() + 2);
  return {"-netdev", netdev, "-device", device};
}

// The disk's node goes in by JSON (no option string to escape); its file is
// the caller's descriptor, through an fd set. A SCSI disk sits on the one
// controller at target `scsi_target`, LUN 0.
Args ArgsOf(const BlockDevice& d, bool mmio, int, uint32_t scsi_target) {
  Args args;
  std::string file = d.path;
  if (d.fd >= 0) {
    args = {"-add-fd", "fd=" + std::to_string(d.fd) + ",set=" + std::to_string(d.fd)};
    file = "/dev/fdset/" + std::to_string(d.fd);
  }
  args.insert(args.end(), {"-blockdev", BlockdevOptions(d, file).dump()});
  const std::string common = ",id=" + d.id + ",drive=" + BlockNodeName(d.id);
  if (d.driver == kVirtioScsi)
    args.insert(args.end(), {"-device", "scsi-hd,bus=scsi0.0,channel=0,scsi-id=" + std::to_string(scsi_target) +
                                            ",lun=0" + common});
  else
    args.insert(args.end(), {"-device", Virtio("virtio-blk", mmio) + common});
  return args;
}

// In the root port BuildArgv adds for it (VfioPortId).
Args ArgsOf(const VfioDevice& d, bool, int) {
  return {"-device", "vfio-pci,host=" + OptionValue(d.address) + ",id=" + d.id + ",bus=" + VfioPortId(d.id)};
}

template <typename T>
Args ArgsOf(const T& d, bool mmio, int fd, uint32_t) {
  return ArgsOf(d, mmio, fd);
}

// Boot size; with room to grow, the DIMM slots and the ceiling.
std::string MemoryOption(uint32_t mib, uint32_t max_mib, uint32_t slots) {
  if (max_mib <= mib || slots == 0) return std::to_string(mib);
  return "size=" + std::to_string(mib) + "M,slots=" + std::to_string(slots) + ",maxmem=" + std::to_string(max_mib) + "M";
}

template <typename T>
bool Has(const std::vector<Device>& devices) {
  return std::any_of(devices.begin(), devices.end(),
                     [](const Device& d) { return std::holds_alternative<T>(d); });
}

}  // namespace

std::string OptionValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

std::string RootPortId(uint32_t index) { return "hp" + std::to_string(index); }

std::string VfioPortId(const std::string& id) { return id + "-port"; }

std::string BlockNodeName(const std::string& id) { return id + "-file"; }

nlohmann::json BlockdevOptions(const BlockDevice& d, const std::string& filename) {
  return {{"driver", d.host_device ? "host_device" : "file"},
          {"node-name", BlockNodeName(d.id)},
          {"filename", filename},
          {"read-only", d.read_only}};
}

std::vector<std::string> DeviceArgs(const Device& device, const std::string& machine, int fd, uint32_t scsi_target) {
  const bool mmio = machine == "microvm";
  return std::visit([=](const auto& d) { return ArgsOf(d, mmio, fd, scsi_target); }, device);
}

Result<std::vector<std::string>> BuildArgv(const ArgvInput& in) {
  const VmSpec& s = in.spec;
  const HypervisorConfig& c = s.config;
  if (c.vcpus < 1) return Fail(ErrorCode::kInvalidArgument, "vcpus must be at least 1");
  if (c.memory_mib < 64)
    return Fail(ErrorCode::kInvalidArgument,
                "memory must be at least 64 MiB, got " + std::to_string(c.memory_mib));
  if (c.kernel_path.empty()) return Fail(ErrorCode::kInvalidArgument, "no guest kernel given");
  if (c.initrd_path.empty()) return Fail(ErrorCode::kInvalidArgument, "no guest initramfs given");
  if (in.accel != "kvm" && in.accel != "tcg")
    return Fail(ErrorCode::kInvalidArgument, "unknown accelerator " + in.accel);
  if (c.machine_type != "q35" && c.machine_type != "microvm")
    return Fail(ErrorCode::kInvalidArgument, "unknown machine type " + c.machine_type + ": q35 or microvm");
  // microvm has nothing to hot-plug into: the VM keeps its boot size.
  const bool microvm = c.machine_type == "microvm";
  const uint32_t max_vcpus = microvm ? 0 : in.max_vcpus;
  const uint32_t max_memory_mib = microvm ? 0 : in.max_memory_mib;

  // Hot-added memory comes online by itself (vCPUs: the agent onlines them).
  // No bounce buffers: the virtio devices reach all guest memory, and a VM
  // whose memory can grow above 4 GiB would otherwise have the kernel fill
  // 64 MiB of swiotlb (measured: 185 -> 114 MiB of guest memory touched).
  std::string append = "console=ttyS0 quiet panic=-1 memhp_default_state=online swiotlb=noforce";
  // microvm has neither HPET nor ACPI PM timer to calibrate the TSC against,
  // and under TCG the PIT alone fails about one boot in three (the kernel
  // then stops: "Unable to calibrate against PIT"): it is told the frequency.
  if (microvm && in.accel == "tcg" && in.tsc_khz > 0) append += " tsc_early_khz=" + std::to_string(in.tsc_khz);
  for (const auto& p : c.kernel_params) append += " " + p;
  // Guest memory in a named backend (see below): on microvm, which has no
  // NUMA, the machine takes it whole.
  const bool memory_backend = s.memory_file || Has<ShareFsDevice>(in.devices);
  std::string machine = c.machine_type;
  if (microvm && memory_backend) machine += ",memory-backend=mem";

  std::vector<std::string> argv = {
      in.binary,
      // Named threads ("CPU 0/TCG"): top -H and the vCPU cgroup test tell them apart.
      "-name", "sandbox-" + s.sandbox_id + ",debug-threads=on",
      "-machine", machine,
      "-accel", in.accel == "tcg" ? "tcg,tb-size=" + std::to_string(c.tcg_cache_mib ? c.tcg_cache_mib : kDefaultTcgCacheMib)
                                  : in.accel,
      "-cpu", in.accel == "kvm" ? "host" : "max",
      "-m", MemoryOption(c.memory_mib, max_memory_mib, c.memory_slots),
      "-smp", std::to_string(c.vcpus) + (max_vcpus > c.vcpus ? ",maxcpus=" + std::to_string(max_vcpus) : ""),
      "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
      // QEMU's own seccomp filter: no obsolete system calls, no setuid and
      // friends, no fork or exec, no changes of scheduling or affinity.
      "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
      "-kernel", c.kernel_path,
      "-initrd", c.initrd_path,
      "-append", append,
  };
  if (in.qmp_fd >= 0)
    argv.insert(argv.end(), {"-chardev", "socket,id=qmp,fd=" + std::to_string(in.qmp_fd) + ",server=on,wait=off",
                             "-mon", "chardev=qmp,mode=control"});
  else
    argv.insert(argv.end(), {"-qmp", "unix:" + OptionValue(s.control_socket) + ",server=on,wait=off"});
  // A template's memory in its file (shared: the file keeps what the guest
  // writes), or a restored VM's copy-on-write of it; else, vhost-user needs
  // guest memory that its daemon can map: a shared memfd.
  const std::string size = std::to_string(c.memory_mib) + "M";
  if (s.memory_file)
    argv.insert(argv.end(), {"-object", "memory-backend-file,id=mem,size=" + size + ",mem-path=" +
                                            OptionValue(s.memory_file->path) +
                                            (s.memory_file->copy_on_write ? ",share=off" : ",share=on")});
  else if (memory_backend)
    argv.insert(argv.end(), {"-object", "memory-backend-memfd,id=mem,size=" + size + ",share=on"});
  if (memory_backend && !microvm) argv.insert(argv.end(), {"-numa", "node,memdev=mem"});
  // The state comes over QMP once QEMU runs (migrate-incoming).
  if (!s.restore_from.empty()) argv.insert(argv.end(), {"-incoming", "defer"});
  for (uint32_t i = 0; !microvm && i < c.pcie_root_ports; ++i)
    argv.insert(argv.end(), {"-device", "pcie-root-port,id=" + RootPortId(i) + ",bus=pcie.0,chassis=" +
                                            std::to_string(i + 1)});
  // virtio-mmio is legacy (virtio 0.9) unless told otherwise; virtiofsd's
  // vhost-user library serves only virtio 1 devices.
  if (microvm) argv.insert(argv.end(), {"-global", "virtio-mmio.force-legacy=false"});
  if (Has<SerialPortDevice>(in.devices))
    argv.insert(argv.end(), {"-device", Virtio("virtio-serial", microvm) + ",id=serial0"});
  // The controller SCSI disks go on, cold-plugged or later.
  const bool scsi = c.block_device_driver == kVirtioScsi ||
                    std::any_of(in.devices.begin(), in.devices.end(), [](const Device& d) {
                      const auto* disk = std::get_if<BlockDevice>(&d);
                      return disk && disk->driver == kVirtioScsi;
                    });
  if (scsi) argv.insert(argv.end(), {"-device", Virtio("virtio-scsi", microvm) + ",id=" + kScsiController});
  uint32_t chassis = c.pcie_root_ports;
  for (const auto& device : in.devices) {
    const std::string& id = DeviceId(device);
    if (std::holds_alternative<VfioDevice>(device)) {
      if (microvm)
        return Fail(ErrorCode::kInvalidArgument,
                    "VFIO device " + id + " needs PCI, which machine_type microvm does not have: use q35");
      argv.insert(argv.end(), {"-device", "pcie-root-port,id=" + VfioPortId(id) + ",bus=pcie.0,chassis=" +
                                              std::to_string(++chassis)});
    }
    auto fd = in.device_fds.find(id);
    auto target = in.scsi_targets.find(id);
    auto args = DeviceArgs(device, c.machine_type, fd == in.device_fds.end() ? -1 : fd->second,
                           target == in.scsi_targets.end() ? 0 : target->second);
    argv.insert(argv.end(), args.begin(), args.end());
  }
  return argv;
}

}  // namespace vc::hypervisor::qemu

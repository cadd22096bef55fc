#include "hypervisor/qemu/argv.h"

#include <algorithm>

namespace vc::hypervisor::qemu {

namespace {

using Args = std::vector<std::string>;

Args ArgsOf(const ConsoleDevice& d) {
  return {"-chardev", "file,id=" + d.id + ",path=" + OptionValue(d.log_path),
          "-serial", "chardev:" + d.id};
}

Args ArgsOf(const SerialPortDevice& d) {
  return {"-chardev", "socket,id=" + d.id + ",path=" + OptionValue(d.socket_path) + ",server=on,wait=off",
          "-device", "virtserialport,bus=serial0.0,chardev=" + d.id + ",name=" + OptionValue(d.name)};
}

Args ArgsOf(const ShareFsDevice& d) {
  return {"-chardev", "socket,id=" + d.id + ",path=" + OptionValue(d.socket_path),
          "-device", "vhost-user-fs-pci,id=" + d.id + ",chardev=" + d.id + ",tag=" + OptionValue(d.tag) +
                         ",queue-size=" + std::to_string(d.queue_size)};
}

// security_model=none: files keep the owners and modes the guest sets (QEMU
// runs as root), and what the host refuses is ignored, as with virtiofsd.
// multidevs=remap: the container roots bound under the share are other file
// systems; their inode numbers are remapped so that they cannot collide.
Args ArgsOf(const Share9pDevice& d) {
  return {"-fsdev", "local,id=" + d.id + ",path=" + OptionValue(d.path) + ",security_model=none,multidevs=remap",
          "-device", "virtio-9p-pci,id=" + d.id + ",fsdev=" + d.id + ",mount_tag=" + OptionValue(d.tag)};
}

Args ArgsOf(const VsockDevice& d) {
  return {"-device", "vhost-vsock-pci,id=" + d.id + ",guest-cid=" + std::to_string(d.guest_cid)};
}

Args ArgsOf(const NetDevice& d) {
  std::string fds;
  for (int fd : d.fds) fds += (fds.empty() ? "" : ":") + std::to_string(fd);
  std::string netdev = "tap,id=" + d.id + (d.fds.size() > 1 ? ",fds=" : ",fd=") + fds;
  if (d.vhost) netdev += ",vhost=on";
  std::string device = "virtio-net-pci,id=" + d.id + ",netdev=" + d.id + ",mac=" + d.mac;
  if (d.fds.size() > 1)
    device += ",mq=on,vectors=" + std::to_string(2 * d.fds.size() + 2);
  return {"-netdev", netdev, "-device", device};
}

Args ArgsOf(const BlockDevice& d) {
  return {"-drive", "if=none,id=" + d.id + ",file=" + OptionValue(d.path) + ",format=" + d.format +
                        (d.read_only ? ",readonly=on" : ""),
          "-device", "virtio-blk-pci,id=" + d.id + "-dev,drive=" + d.id};
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

std::vector<std::string> DeviceArgs(const Device& device) {
  return std::visit([](const auto& d) { return ArgsOf(d); }, device);
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

  // Hot-added memory comes online by itself (vCPUs: the agent onlines them).
  // No bounce buffers: the virtio devices reach all guest memory, and a VM
  // whose memory can grow above 4 GiB would otherwise have the kernel fill
  // 64 MiB of swiotlb (measured: 185 -> 114 MiB of guest memory touched).
  std::string append = "console=ttyS0 quiet panic=-1 memhp_default_state=online swiotlb=noforce";
  for (const auto& p : c.kernel_params) append += " " + p;

  std::vector<std::string> argv = {
      in.binary,
      // Named threads ("CPU 0/TCG"): top -H and the vCPU cgroup test tell them apart.
      "-name", "sandbox-" + s.sandbox_id + ",debug-threads=on",
      "-machine", "q35",
      "-accel", in.accel == "tcg" ? "tcg,tb-size=" + std::to_string(c.tcg_cache_mib ? c.tcg_cache_mib : kDefaultTcgCacheMib)
                                  : in.accel,
      "-cpu", in.accel == "kvm" ? "host" : "max",
      "-m", MemoryOption(c.memory_mib, in.max_memory_mib, c.memory_slots),
      "-smp", std::to_string(c.vcpus) + (in.max_vcpus > c.vcpus ? ",maxcpus=" + std::to_string(in.max_vcpus) : ""),
      "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
      "-kernel", c.kernel_path,
      "-initrd", c.initrd_path,
      "-append", append,
      "-qmp", "unix:" + OptionValue(s.control_socket) + ",server=on,wait=off",
  };
  // A template's memory in its file (shared: the file keeps what the guest
  // writes), or a restored VM's copy-on-write of it; else, vhost-user needs
  // guest memory that its daemon can map: a shared memfd.
  const std::string size = std::to_string(c.memory_mib) + "M";
  if (s.memory_file)
    argv.insert(argv.end(), {"-object", "memory-backend-file,id=mem,size=" + size + ",mem-path=" +
                                            OptionValue(s.memory_file->path) +
                                            (s.memory_file->copy_on_write ? ",share=off" : ",share=on"),
                             "-numa", "node,memdev=mem"});
  else if (Has<ShareFsDevice>(in.devices))
    argv.insert(argv.end(), {"-object", "memory-backend-memfd,id=mem,size=" + size + ",share=on",
                             "-numa", "node,memdev=mem"});
  // The state comes over QMP once QEMU runs (migrate-incoming).
  if (!s.restore_from.empty()) argv.insert(argv.end(), {"-incoming", "defer"});
  for (uint32_t i = 0; i < c.pcie_root_ports; ++i)
    argv.insert(argv.end(), {"-device", "pcie-root-port,id=" + RootPortId(i) + ",bus=pcie.0,chassis=" +
                                            std::to_string(i + 1)});
  if (Has<SerialPortDevice>(in.devices)) argv.insert(argv.end(), {"-device", "virtio-serial-pci,id=serial0"});
  for (const auto& device : in.devices) {
    auto args = DeviceArgs(device);
    argv.insert(argv.end(), args.begin(), args.end());
  }
  return argv;
}

}  // namespace vc::hypervisor::qemu

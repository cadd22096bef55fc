#include "hypervisor/qemu/argv.h"

namespace vc::hypervisor::qemu {

std::string QmpSocketPath(const std::string& run_dir) { return run_dir + "/qmp.sock"; }
std::string ConsoleLogPath(const std::string& run_dir) { return run_dir + "/console.log"; }

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

  std::string append = "console=ttyS0 quiet panic=-1";
  for (const auto& p : c.kernel_params) append += " " + p;

  std::vector<std::string> argv = {
      in.binary,
      "-name", "sandbox-" + s.sandbox_id,
      "-machine", "q35,accel=" + in.accel,
      "-cpu", in.accel == "kvm" ? "host" : "max",
      "-m", std::to_string(c.memory_mib),
      "-smp", std::to_string(c.vcpus),
      "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
      "-kernel", c.kernel_path,
      "-initrd", c.initrd_path,
      "-append", append,
      "-chardev", "file,id=console,path=" + ConsoleLogPath(s.run_dir),
      "-serial", "chardev:console",
      "-qmp", "unix:" + QmpSocketPath(s.run_dir) + ",server=on,wait=off",
      "-device", "virtio-serial-pci,id=serial0",
      "-chardev", "socket,id=agent,path=" + s.agent_socket + ",server=on,wait=off",
      "-device", "virtserialport,bus=serial0.0,chardev=agent,name=" + s.agent_port_name,
  };
  if (!s.virtiofs_socket.empty()) {
    // vhost-user needs guest memory that virtiofsd can map: a shared memfd.
    argv.insert(argv.end(), {
        "-object", "memory-backend-memfd,id=mem,size=" + std::to_string(c.memory_mib) + "M,share=on",
        "-numa", "node,memdev=mem",
        "-chardev", "socket,id=vfs,path=" + s.virtiofs_socket,
        "-device", "vhost-user-fs-pci,chardev=vfs,tag=" + s.virtiofs_tag + ",queue-size=1024",
    });
  }
  if (s.vsock_cid)
    argv.insert(argv.end(), {"-device", "vhost-vsock-pci,guest-cid=" + std::to_string(*s.vsock_cid)});
  return argv;
}

}  // namespace vc::hypervisor::qemu

#include "sandbox/validate.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "protocol/console_frames.h"
#include "agent/transport.h"
#include "factory/template.h"
#include "hypervisor/hypervisor.h"
#include "hypervisor/qemu/assets.h"
#include "oci/spec.h"
#include "oci/validate.h"
#include "os/file.h"
#include "os/log.h"
#include "resource/disk/disk.h"
#include "resource/network/network.h"
#include "sandbox/manager.h"
#include "sandbox/state.h"

namespace vc {

Result<> ValidateContainerConfig(const ContainerConfig& c) {
  if (auto r = ValidateId("container", c.id); !r) return r;
  if (!c.rootfs_disk.empty()) {
    if (c.rootfs_disk[0] != '/')
      return Fail(ErrorCode::kInvalidArgument,
                  "container " + c.id + ": rootfs_disk must be an absolute path, got '" + c.rootfs_disk + "'");
    if (auto disk = resource::CheckDisk(c.rootfs_disk); !disk)
      return std::unexpected(disk.error().Wrap("container " + c.id + ": root disk"));
  } else if (c.rootfs.empty() || c.rootfs[0] != '/') {
    return Fail(ErrorCode::kInvalidArgument,
                "container " + c.id + ": rootfs must be an absolute path, got '" + c.rootfs + "'");
  } else if (struct stat st {}; ::stat(c.rootfs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Fail(ErrorCode::kNotFound, "container " + c.id + ": rootfs " + c.rootfs + " is not a directory");
  }
  if (c.cmd.args.empty()) return Fail(ErrorCode::kInvalidArgument, "container " + c.id + ": no command to run");
  if (c.cmd.cwd.empty() || c.cmd.cwd[0] != '/')
    return Fail(ErrorCode::kInvalidArgument, "container " + c.id + ": cwd must be absolute");
  if (c.oci_spec.empty()) return {};
  auto spec = oci::Parse(c.oci_spec);
  if (!spec) return std::unexpected(spec.error().Wrap("container " + c.id));
  if (auto ok = oci::Validate(*spec); !ok) return std::unexpected(ok.error().Wrap("container " + c.id));
  const oci::Hooks& h = spec->hooks;
  for (const auto* hooks : {&h.prestart, &h.create_runtime, &h.create_container, &h.start_container,
                            &h.poststart, &h.poststop})
    for (const auto& hook : *hooks)
      if (::access(hook.path.c_str(), X_OK) != 0)
        return Fail(ErrorCode::kNotFound, "container " + c.id + ": hook " + hook.path + " is not an executable file");
  // Neither LSM is in the guest kernel: say so rather than drop it silently.
  for (const char* field : {"apparmorProfile", "selinuxLabel"})
    if (auto process = spec->document.find("process"); process != spec->document.end() && process->contains(field))
      log::Warn("container " + c.id + ": process." + field + " is ignored: the guest kernel has no " +
                (std::string(field) == "apparmorProfile" ? "AppArmor" : "SELinux"));
  return {};
}

Result<> ValidateSandboxConfig(SandboxConfig& config) {
  if (config.id.empty()) config.id = RandomHex(32);
  if (auto r = ValidateId("sandbox", config.id); !r) return r;
  if (config.hostname.empty()) config.hostname = config.id.substr(0, 63);
  if (auto r = hypervisor::CheckType(config.hypervisor.type); !r) return r;
  if (auto t = agent::ChooseTransport(config.agent.transport, true); !t) return std::unexpected(t.error());
  if (config.hypervisor.type == "qemu") {
    auto& h = config.hypervisor;
    if (!h.kernel_path.empty()) h.initrd_path = factory::InitrdOf(h);
    if (auto assets = hypervisor::qemu::CheckGuestAssets(h); !assets) return assets;
  }
  if (config.hypervisor.shared_fs != "virtio-fs" && config.hypervisor.shared_fs != "virtio-9p")
    return Fail(ErrorCode::kInvalidArgument,
                "unknown shared_fs '" + config.hypervisor.shared_fs + "': virtio-fs or virtio-9p");
  if (config.hypervisor.machine_type != "q35" && config.hypervisor.machine_type != "microvm")
    return Fail(ErrorCode::kInvalidArgument,
                "unknown machine_type '" + config.hypervisor.machine_type + "': q35 or microvm");
  if (config.hypervisor.block_device_driver != "virtio-blk" && config.hypervisor.block_device_driver != "virtio-scsi")
    return Fail(ErrorCode::kInvalidArgument,
                "unknown block_device_driver '" + config.hypervisor.block_device_driver + "': virtio-blk or virtio-scsi");
  if (config.enable_template && config.hypervisor.machine_type != "q35")
    return Fail(ErrorCode::kInvalidArgument,
                "enable_template needs machine_type = \"q35\": a restored VM gets its NICs by hot-plug");
  if (config.hypervisor.rootless && config.hypervisor.shared_fs != "virtio-fs")
    return Fail(ErrorCode::kInvalidArgument,
                "rootless = true needs shared_fs = \"virtio-fs\": QEMU would serve a 9p share with its own "
                "user's rights, not the container's");
  if (config.hypervisor.rootless && config.agent.transport == "vsock")
    return Fail(ErrorCode::kInvalidArgument,
                "rootless = true needs the serial agent transport: QEMU's user cannot open /dev/vhost-vsock");
  if (config.hypervisor.rootless && config.agent.debug_console)
    return Fail(ErrorCode::kInvalidArgument,
                "debug_console does not work with rootless = true: QEMU's user could not read the initramfs "
                "made for the sandbox (with the console's shell)");
  if (config.agent.debug_console && config.hypervisor.type == "qemu") {
    const std::string archive =
        (std::filesystem::path(config.hypervisor.initrd_path).parent_path() / agent::console::kArchiveName).string();
    if (!os::Exists(archive))
      return Fail(ErrorCode::kNotFound, "debug_console needs the console's shell at '" + archive +
                                            "' (beside the initramfs): build the guest assets (cmake --build build)");
  }
  if (config.hypervisor.rootless && config.enable_template)
    return Fail(ErrorCode::kInvalidArgument, "rootless = true does not work with enable_template");
  if (config.enable_template && config.hypervisor.shared_fs != "virtio-9p")
    return Fail(ErrorCode::kInvalidArgument,
                "enable_template needs shared_fs = \"virtio-9p\": virtiofsd cannot map a VM's copy-on-write memory");
  if (config.enable_template && config.agent.transport == "vsock")
    return Fail(ErrorCode::kInvalidArgument, "enable_template needs the agent on virtio-serial, not vsock");
  if (config.network.cni && !config.network.netns_path.empty())
    return Fail(ErrorCode::kInvalidArgument, "a network namespace (" + config.network.netns_path +
                                                 ") and CNI were both asked for: give one");
  if (auto r = resource::CheckNetworkConfig(config.network); !r) return r;
  std::set<std::string> ids;
  for (const auto& c : config.containers) {
    if (auto r = ValidateContainerConfig(c); !r) return r;
    if (!ids.insert(c.id).second)
      return Fail(ErrorCode::kAlreadyExists, "container id " + c.id + " appears twice");
  }
  return {};
}

}  // namespace vc

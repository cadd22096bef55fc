// virtc: the command line over libvirtcontainers: global options and a table of verb groups.
#include <sys/prctl.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common.h"

namespace {

// Each group adds its subcommands to the app, in this order.
constexpr vc::virtc::VerbGroup kVerbGroups[] = {vc::virtc::AddRunVerbs, vc::virtc::AddSandboxVerbs,
                                            vc::virtc::AddContainerVerbs, vc::virtc::AddNetworkVerbs,
                                            vc::virtc::AddFactoryVerbs, vc::virtc::AddVolumeVerbs,
                                            vc::virtc::AddHostVerbs};

}  // namespace

int main(int argc, char** argv) {
  // The supervisor forks away from us; as its subreaper we get it back, so
  // that `run` and `sandbox stop` reap it as it ends instead of leaving it
  // to init (a zombie listed for a moment after we return).
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  CLI::App app{"virtc: run containers in lightweight VMs (libvirtcontainers)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", vc::virtc::VersionText);
  vc::virtc::Context ctx;
  vc::virtc::Globals& g = ctx.g;
  app.add_option("--root", g.root, "state directory")->capture_default_str();
  // Given twice, the last one counts (a wrapper's default, then the caller's).
  app.add_option("--kernel", g.kernel, "guest kernel (default: <virtc dir>/../guest/vmlinux, the lean kernel; Debian's: guest/debian/vmlinux)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--initrd", g.initrd, "guest initramfs (default: initramfs.cpio beside the kernel)");
  app.add_option("--qemu", g.qemu, "QEMU binary (default: qemu-system-x86_64 from PATH)");
  app.add_option("--accel", g.accel, "auto, kvm or tcg")->capture_default_str();
  app.add_option("--machine", g.machine,
                 "QEMU machine: q35, or microvm (boots faster; nothing hot-plugged, no templates)")
      ->capture_default_str();
  app.add_flag("--rootless", g.rootless,
               "run QEMU as an unprivileged user of its own (virtio-fs only; no templates, no vhost-net)");
  app.add_option("--block-driver", g.block_driver,
                 "how disks (--rootfs-image) attach: virtio-blk (a PCIe slot each) or virtio-scsi")
      ->capture_default_str();
  app.add_option("--memory", g.memory_mib, "VM memory in MiB")->capture_default_str();
  app.add_option("--shared-fs", g.shared_fs,
                 "how container roots reach the guest: virtio-fs (default) or virtio-9p (default with --template)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("--template", g.use_template,
               "start new sandboxes from the VM template (virtc factory init) when it fits; else boot");
  app.add_option("--vcpus", g.vcpus, "VM vCPUs")->capture_default_str();
  app.add_option("--agent-transport", g.agent_transport,
                 "auto (vsock when /dev/vhost-vsock is usable), serial or vsock")->capture_default_str();
  app.add_flag("--debug-console", g.debug_console,
               "new sandboxes get a shell in the guest for `virtc sandbox console` (a root shell beside the "
               "containers: for debugging; boots without the template)");
  for (vc::virtc::VerbGroup add : kVerbGroups) add(app, ctx);

  // Everything after the first "--" is the container's command, untouched.
  int cli_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      cli_argc = i;
      ctx.trailing.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  try {
    app.parse(cli_argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // Skip destructors: a stdin pump may still sit in read(0).
  std::cout.flush();
  std::fflush(stdout);
  std::_Exit(ctx.exit_code);
}

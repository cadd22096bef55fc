// The `volume ...` verbs: direct volumes, disks registered under a host path
// that containers then bind-mount (Kata's direct-assigned volumes).
#include <memory>

#include "common.h"
#include "print.h"

namespace vc::virtc {

void AddVolumeVerbs(CLI::App& app, Context& ctx) {
  auto* volume = app.add_subcommand(
      "volume", "direct volumes: a disk registered under a host path; a container bind-mounting the path gets the disk");
  volume->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  auto spec = std::make_shared<vc::DirectVolume>();

  auto* add = volume->add_subcommand("add", "register a block device or image file (ext4, xfs) under a host path");
  add->add_option("--device", spec->device, "the block device or image file")->required();
  add->add_option("--fstype", spec->fstype, "ext4 or xfs (default: as found on the device)");
  add->add_option("--options", spec->options, "mount options in the guest, comma-separated (ro, noatime, ...)")
      ->delimiter(',');
  add->add_option("path", *path, "the host path containers bind-mount")->required();
  add->callback([&ctx, path, spec] {
    if (auto r = ctx.NewRuntime()->AddDirectVolume(*path, *spec); !r) ctx.exit_code = Failed(r.error());
  });

  auto* remove = volume->add_subcommand("remove", "forget a direct volume (refused while a container has it)");
  remove->add_option("path", *path, "the host path it was registered under")->required();
  remove->callback([&ctx, path] {
    if (auto r = ctx.NewRuntime()->RemoveDirectVolume(*path); !r) ctx.exit_code = Failed(r.error());
  });

  auto* resize = volume->add_subcommand(
      "resize", "grow the volume while a container has it: an image file is extended (a block device must have "
                "grown already), then its ext4 or xfs file system in the guest");
  auto bytes = std::make_shared<uint64_t>(0);
  resize->add_option("path", *path, "the host path it was registered under")->required();
  resize->add_option("size", *bytes, "the new size: bytes, or with a unit (512M, 2G)")
      ->required()
      ->transform(CLI::AsSizeValue(false));
  resize->callback([&ctx, path, bytes] {
    if (auto r = ctx.NewRuntime()->ResizeDirectVolume(*path, *bytes); !r) ctx.exit_code = Failed(r.error());
  });

  auto* stats = volume->add_subcommand("stats", "the volume's file system as the guest of the container using it sees it");
  stats->add_option("path", *path, "the host path it was registered under")->required();
  stats->add_flag("--json", ctx.g.json, "print JSON");
  stats->callback([&ctx, path] {
    auto r = ctx.NewRuntime()->DirectVolumeStats(*path);
    if (!r) { ctx.exit_code = Failed(r.error()); return; }
    Print(VolumeStatsReport(*r), ctx.g.json);
  });
}

}  // namespace vc::virtc

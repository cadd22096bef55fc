// `spec`: writes a starting config.json into a bundle, as `runc spec` does.
#include <filesystem>
#include <iostream>

#include "context.h"
#include "oci/defaults.h"
#include "oci/spec.h"
#include "os/file.h"

namespace vc::vcrt {

void AddSpec(CLI::App& app, Context& ctx) {
  auto bundle = std::make_shared<std::string>(".");
  auto* cmd = app.add_subcommand("spec", "write a default config.json (runs sh on a terminal in ./rootfs)");
  cmd->add_option("-b,--bundle", *bundle, "where to write it")->capture_default_str();
  cmd->callback([&ctx, bundle] {
    const std::string path = *bundle + "/config.json";
    if (std::filesystem::exists(path)) {
      ctx.Fail({vc::ErrorCode::kAlreadyExists, "file " + path + " exists: remove it first"});
      return;
    }
    vc::oci::Spec spec = vc::oci::DefaultSpec();
    spec.oci_version = kOciVersion;
    // DefaultSpec's process runs sh; on a terminal, as runc's does.
    spec.process->terminal = true;
    spec.process->env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    spec.root = {"rootfs", true};
    spec.hostname = "vc";
    if (auto ok = vc::os::WriteFileAtomic(path, vc::oci::ToJson(spec).dump(4) + "\n", 0644); !ok) ctx.Fail(ok.error());
  });
}

}  // namespace vc::vcrt

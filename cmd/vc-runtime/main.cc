// vc-runtime: an OCI runtime command line (runc's) over libvirtcontainers,
// for podman, Docker (through containerd's runc shim) and the OCI
// conformance suites. Each container runs in a VM of its own, or in its
// pod's; a monitor process on the host stands for it (monitor.h).
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "context.h"
#include "os/log.h"

namespace {

// One verb per file, added in this order.
constexpr vc::vcrt::Verb kVerbs[] = {vc::vcrt::AddCreate, vc::vcrt::AddStart,  vc::vcrt::AddRun,   vc::vcrt::AddState,
                                 vc::vcrt::AddKill,   vc::vcrt::AddDelete, vc::vcrt::AddExec,  vc::vcrt::AddPs,
                                 vc::vcrt::AddPause,  vc::vcrt::AddResume, vc::vcrt::AddUpdate, vc::vcrt::AddList,
                                 vc::vcrt::AddFeatures, vc::vcrt::AddSpec};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vc-runtime: an OCI runtime (runc's command line) that runs each container in a VM"};
  app.require_subcommand(1);
  const vc::BuildInfo build = vc::Build();
  app.set_version_flag("-v,--version", "vc-runtime version " + build.version + "\ncommit: " + build.commit +
                                           "\nspec: " + vc::vcrt::kOciVersion);
  vc::vcrt::Context ctx;
  vc::vcrt::Globals& g = ctx.g;
  // A global given twice takes its last value, as runc's do: docker's
  // runtimeArgs come before the --root and --log its shim adds.
  auto last = [](CLI::Option* o) { return o->multi_option_policy(CLI::MultiOptionPolicy::TakeLast); };
  last(app.add_option("--root", g.root, "state directory")->capture_default_str());
  last(app.add_option("--log", g.log, "log file (default: stderr)"));
  last(app.add_option("--log-format", g.log_format, "text or json")->check(CLI::IsMember({"text", "json"})))
      ->capture_default_str();
  last(app.add_option("--config", g.config, "vc configuration (TOML; default: /etc/vc/configuration.toml if present)"));
  app.add_flag("--debug", g.debug, "debug lines in the log");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "accepted; the container's cgroup is the guest's");
  for (vc::vcrt::Verb add : kVerbs) add(app, ctx);
  // Before any verb runs: where the log goes.
  app.parse_complete_callback([&ctx] {
    const vc::vcrt::Globals& g = ctx.g;
    if (!g.log.empty() && !vc::log::SetOutputFile(g.log))
      throw CLI::ValidationError("--log", "cannot open " + g.log);
    if (g.log_format == "json") vc::log::SetFormat(vc::log::Format::kJson);
    vc::log::SetDebug(g.debug);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (auto rest = app.remaining(); !rest.empty())
      message = "unknown command or argument '" + rest.front() + "' (" + message + ")";
    ctx.Fail({vc::ErrorCode::kInvalidArgument, message});
  }
  std::cout.flush();
  std::fflush(stdout);
  // No destructors: a stdin pump may still sit in read(0).
  std::_Exit(ctx.exit_code);
}

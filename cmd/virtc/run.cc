// The `run` verb: a command in a container in a new VM, then remove it all.
#include <memory>

#include "common.h"
#include "print.h"

namespace vc::virtc {
namespace {

struct RunOptions {
  RootOptions root;
  std::string id;
  vc::NetworkConfig network;
  bool timeline = false;
};

int Run(Context& ctx, const RunOptions& o, const std::vector<std::string>& args) {
  auto rt = ctx.NewRuntime();
  auto container = ContainerFrom("main", o.root, args);
  if (!container) return Failed(container.error(), kRuntimeError);
  vc::SandboxConfig config;
  config.id = o.id;
  config.hypervisor = HypervisorFrom(ctx.g);
  config.agent.transport = ctx.g.agent_transport;
  config.agent.debug_console = ctx.g.debug_console;
  config.enable_template = ctx.g.use_template;
  config.containers = {*container};
  config.network = o.network;
  auto sandbox = rt->RunSandbox(config);
  if (!sandbox) return Failed(sandbox.error(), kRuntimeError);
  auto process = rt->AttachProcess(sandbox->id, "main");
  vc::Result<int> status = process ? vc::Result<int>(0) : std::unexpected(process.error());
  if (process) {
    std::shared_ptr<vc::Process> shared(std::move(*process));
    ForwardSignals(shared);
    status = Relay(shared, true);
  }
  // On stderr: stdout is the container's.
  if (o.timeline) Print(TimelineReport(sandbox->timeline), false, std::cerr);
  auto stopped = rt->StopSandbox(sandbox->id);
  auto deleted = rt->DeleteSandbox(sandbox->id);
  if (!status) return Failed(status.error(), kRuntimeError);
  if (!stopped) return Failed(stopped.error(), kRuntimeError);
  if (!deleted) return Failed(deleted.error(), kRuntimeError);
  return *status;
}

}  // namespace

void AddRunVerbs(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RunOptions>();
  auto* run = app.add_subcommand("run", "run a command in a container in a new VM, then remove it all");
  AddRootOptions(run, o->root, "container");
  run->add_option("--id", o->id, "sandbox id (default: generated)")->check(kNotEmpty);
  run->add_flag("--timeline", o->timeline, "print the phases of the start on stderr once the command ended");
  AddNetworkOptions(run, o->network);
  run->prefix_command();
  run->callback([&ctx, o, run] {
    BlockForwardedSignals();
    auto args = ctx.CommandOf(run);
    if (o->root.empty()) throw CLI::ValidationError("run", "--rootfs, --rootfs-image or --bundle is required");
    if (o->root.bundle.empty() && args.empty())
      throw CLI::ValidationError("run", "a command is required with --rootfs or --rootfs-image");
    ctx.exit_code = Run(ctx, *o, args);
  });
}

}  // namespace vc::virtc

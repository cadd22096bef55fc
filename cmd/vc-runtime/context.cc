// What every vc-runtime verb shares.
#include "context.h"

#include <cstdlib>
#include <iostream>

#include "common/cli.h"
#include "os/log.h"

namespace vc::vcrt {

vc::Result<vc::config::Config> Context::Config() {
  if (!config_) config_ = vc::config::Load(g.config, vc::config::Defaults(vc::cli::DefaultGuestDir()));
  return *config_;
}

vc::Result<std::string> Context::StateRoot() {
  auto config = Config();
  if (!config) return std::unexpected(config.error());
  return config->runtime.state_root;
}

vc::Runtime& Context::Runtime() {
  if (!runtime_) {
    auto root = StateRoot();
    if (!root) std::exit(Fail(root.error()));
    runtime_ = std::make_unique<vc::Runtime>(vc::RuntimeOptions{*root, ""});
  }
  return *runtime_;
}

vc::Result<Entry> Context::Find(const std::string& id) const { return Load(g.root, id); }

const char* OciStatus(vc::ContainerState state) {
  switch (state) {
    case vc::ContainerState::kReady: return "created";
    case vc::ContainerState::kRunning: return "running";
    case vc::ContainerState::kPaused: return "paused";
    case vc::ContainerState::kStopped: return "stopped";
  }
  return "stopped";
}

Observed Observe(Context& ctx, const Entry& e) {
  auto st = ctx.Runtime().StatusContainer(e.sandbox_id, e.id);
  Observed o;
  o.status = st ? OciStatus(st->state) : "stopped";
  if (o.status != "stopped" && e.MonitorAlive()) o.pid = e.pid;
  return o;
}

void AddIdVerb(CLI::App& app, Context& ctx, const char* name, const char* help, EntryOp op) {
  auto id = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("id", *id, "container id")->required();
  cmd->callback([&ctx, id, op] {
    auto e = ctx.Find(*id);
    if (!e) {
      ctx.Fail(e.error());
      return;
    }
    if (auto ok = op(ctx, *e); !ok) ctx.Fail(ok.error());
  });
}

int Context::Fail(const vc::Error& e) {
  // runc prints its error on stderr and logs it too; callers (conmon,
  // containerd's runc shim) read whichever they were given.
  std::cerr << "vc-runtime: " << e.message << std::endl;
  if (!g.log.empty()) vc::log::Error(e.message);
  exit_code = 1;
  return 1;
}

}  // namespace vc::vcrt

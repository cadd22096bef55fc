// `run`: create + start; in the foreground, waits for the container, exits
// with its status and removes it.
#include "lifecycle.h"
#include "os/log.h"

namespace vc::vcrt {

void AddRun(CLI::App& app, Context& ctx) {
  struct Options : CreateOptions {
    bool detach = false, keep = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("run", "create and start a container; in the foreground, wait for it");
  AddCreateOptions(cmd, *o);
  cmd->add_flag("-d,--detach", o->detach, "return once it runs");
  cmd->add_flag("--keep", o->keep, "keep the stopped container (foreground)");
  cmd->callback([&ctx, o] {
    o->foreground = !o->detach;
    auto monitor = Create(ctx, *o);
    if (!monitor) {
      ctx.Fail(monitor.error());
      return;
    }
    auto e = ctx.Find(o->id);
    if (!e) {
      ctx.Fail(e.error());
      return;
    }
    if (!o->detach) monitor->ForwardSignals();
    if (auto started = ctx.Runtime().StartContainer(e->sandbox_id, e->id); !started) {
      ctx.Fail(started.error());
      (void)Destroy(ctx, *e, true);
      return;
    }
    if (o->detach) {
      monitor->Release();
      return;
    }
    ctx.exit_code = monitor->Wait();
    if (!o->keep)
      if (auto ok = Destroy(ctx, *e, true); !ok) vc::log::Warn("remove container " + e->id + ": " + ok.error().message);
  });
}

}  // namespace vc::vcrt

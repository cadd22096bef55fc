// `kill`: a signal to the container's process (--all: every process of it).
#include "common/cli.h"
#include "context.h"

namespace vc::vcrt {

void AddKill(CLI::App& app, Context& ctx) {
  struct Options {
    std::string id, signal = "SIGTERM";
    bool all = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("kill", "send a signal to a container's process");
  cmd->add_option("id", o->id, "container id")->required();
  cmd->add_option("signal", o->signal, "name (TERM, SIGKILL) or number")->capture_default_str();
  cmd->add_flag("-a,--all", o->all, "every process of the container");
  cmd->callback([&ctx, o] {
    const int sig = vc::cli::SignalNumber(o->signal);
    if (sig <= 0) {
      ctx.Fail({vc::ErrorCode::kInvalidArgument, "unknown signal \"" + o->signal + "\""});
      return;
    }
    auto e = ctx.Find(o->id);
    if (!e) {
      ctx.Fail(e.error());
      return;
    }
    if (auto ok = ctx.Runtime().KillContainer(e->sandbox_id, e->id, sig, o->all); !ok) ctx.Fail(ok.error());
  });
}

}  // namespace vc::vcrt

// The `container ...` verbs: create, start, stop, pause, resume, delete, kill, status, stats, enter, attach.
#include <memory>

#include "common.h"
#include "print.h"

namespace vc::virtc {
namespace {

struct ContainerOptions {
  std::string sandbox, id, signal = "TERM";
  RootOptions root;
  bool all = false;
  bool forward_stdin = false;
};

// A verb that takes --sandbox and --id and makes one call of the runtime.
struct IdsVerb {
  const char* name;
  const char* help;
  vc::Result<> (*fn)(vc::Runtime& rt, const ContainerOptions& o);
};

constexpr IdsVerb kIdsVerbs[] = {
    {"start", "start a created container (detached; see 'attach')",
     [](vc::Runtime& rt, const ContainerOptions& o) { return ErrorOf(rt.StartContainer(o.sandbox, o.id)); }},
    {"stop", "kill all processes of a container",
     [](vc::Runtime& rt, const ContainerOptions& o) { return ErrorOf(rt.StopContainer(o.sandbox, o.id)); }},
    {"pause", "freeze a container",
     [](vc::Runtime& rt, const ContainerOptions& o) { return rt.PauseContainer(o.sandbox, o.id); }},
    {"resume", "thaw a container",
     [](vc::Runtime& rt, const ContainerOptions& o) { return rt.ResumeContainer(o.sandbox, o.id); }},
    {"delete", "remove a stopped container",
     [](vc::Runtime& rt, const ContainerOptions& o) { return rt.DeleteContainer(o.sandbox, o.id); }},
};

vc::Result<> Kill(vc::Runtime& rt, const ContainerOptions& o) {
  int sig = SignalNumber(o.signal);
  if (sig <= 0) return vc::Fail(vc::ErrorCode::kInvalidArgument, "unknown signal " + o.signal);
  return rt.KillContainer(o.sandbox, o.id, sig, o.all);
}

// Relays `process` with the signals forwarded: its exit status, or Failed().
int RelayProcess(vc::Result<std::unique_ptr<vc::Process>> process, bool forward_stdin) {
  if (!process) return Failed(process.error());
  std::shared_ptr<vc::Process> shared(std::move(*process));
  ForwardSignals(shared);
  auto status = Relay(shared, forward_stdin);
  return status ? *status : Failed(status.error());
}

}  // namespace

void AddContainerVerbs(CLI::App& app, Context& ctx) {
  auto* container = app.add_subcommand("container", "manage containers inside a sandbox");
  container->require_subcommand(1);
  auto o = std::make_shared<ContainerOptions>();
  auto add = [&](const char* verb, const char* help) {
    auto* cmd = container->add_subcommand(verb, help);
    cmd->add_option("--sandbox", o->sandbox, "sandbox id")->required();
    cmd->add_option("--id", o->id, "container id")->required();
    return cmd;
  };

  auto* create = add("create", "create a container in a sandbox");
  AddRootOptions(create, o->root, "container");
  create->prefix_command();
  create->callback([&ctx, o, create] {
    auto args = ctx.CommandOf(create);
    if (o->root.empty()) throw CLI::ValidationError("create", "--rootfs, --rootfs-image or --bundle is required");
    auto config = ContainerFrom(o->id, o->root, args);
    if (!config) { ctx.exit_code = Failed(config.error()); return; }
    if (auto c = ctx.NewRuntime()->CreateContainer(o->sandbox, *config); !c) ctx.exit_code = Failed(c.error());
  });

  auto add_ids_verb = [&](const IdsVerb& verb) {
    return add(verb.name, verb.help)->callback([&ctx, o, fn = verb.fn] {
      auto rt = ctx.NewRuntime();
      if (auto res = fn(*rt, *o); !res) ctx.exit_code = Failed(res.error());
    });
  };
  for (const IdsVerb& verb : kIdsVerbs) add_ids_verb(verb);
  auto* kill = add_ids_verb({"kill", "send a signal to a container's init process (or all its processes)", Kill});
  kill->add_option("--signal,-s", o->signal, "signal name or number")->capture_default_str();
  kill->add_flag("--all", o->all, "signal every process of the container");

  auto* status = add("status", "show a container");
  status->add_flag("--json", ctx.g.json, "print JSON");
  status->callback([&ctx, o] {
    auto s = ctx.NewRuntime()->StatusContainer(o->sandbox, o->id);
    if (!s) { ctx.exit_code = Failed(s.error()); return; }
    Print(ContainerReport(*s), ctx.g.json);
  });
  auto* stats = add("stats", "CPU, memory and process count of a container");
  stats->add_flag("--json", ctx.g.json, "print JSON");
  stats->callback([&ctx, o] {
    auto s = ctx.NewRuntime()->StatsContainer(o->sandbox, o->id);
    if (!s) { ctx.exit_code = Failed(s.error()); return; }
    Print(StatsReport(*s), ctx.g.json);
  });

  auto* enter = add("enter", "run a command in a running container (stdio relayed)");
  enter->prefix_command();
  enter->callback([&ctx, o, enter] {
    BlockForwardedSignals();
    vc::Cmd cmd;
    cmd.args = ctx.CommandOf(enter);
    if (cmd.args.empty()) throw CLI::ValidationError("enter", "a command is required");
    cmd.env = DefaultEnv();
    auto process = ctx.NewRuntime()->EnterContainer(o->sandbox, o->id, cmd);
    ctx.exit_code = RelayProcess(std::move(process), true);
  });
  auto* attach = add("attach", "print a container's output (what it wrote so far, then on) and exit with its exit status");
  attach->add_flag("--stdin,-i", o->forward_stdin, "also forward our stdin to the container");
  attach->callback([&ctx, o] {
    BlockForwardedSignals();
    auto process = ctx.NewRuntime()->AttachProcess(o->sandbox, o->id);
    ctx.exit_code = RelayProcess(std::move(process), o->forward_stdin);
  });
}

}  // namespace vc::virtc

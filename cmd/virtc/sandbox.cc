// The `sandbox ...` verbs: create, run, start, stop, pause, resume, delete, status, list, console.
#include <iostream>
#include <memory>

#include "common.h"
#include "print.h"

namespace vc::virtc {
namespace {

struct SandboxOptions {
  std::string id, container_id = "main";
  RootOptions root;
  vc::NetworkConfig network;
  bool timeline = false;
  bool force = false;
};

// A verb that takes --id and makes one call of the runtime.
struct IdVerb {
  const char* name;
  const char* help;
  vc::Result<> (*fn)(vc::Runtime& rt, const std::string& id);
};

constexpr IdVerb kIdVerbs[] = {
    {"start", "boot a created or stopped sandbox",
     [](vc::Runtime& rt, const std::string& id) { return ErrorOf(rt.StartSandbox(id)); }},
    {"stop", "stop the containers and shut the VM down",
     [](vc::Runtime& rt, const std::string& id) { return rt.StopSandbox(id); }},
    {"pause", "pause the VM", [](vc::Runtime& rt, const std::string& id) { return rt.PauseSandbox(id); }},
    {"resume", "resume the VM", [](vc::Runtime& rt, const std::string& id) { return rt.ResumeSandbox(id); }},
};

// create or run: a new sandbox, with an initial container if --rootfs, --rootfs-image or --bundle.
int CreateOrRun(Context& ctx, const SandboxOptions& o, bool start, const std::vector<std::string>& args) {
  vc::SandboxConfig config;
  config.id = o.id;
  config.hypervisor = HypervisorFrom(ctx.g);
  config.agent.transport = ctx.g.agent_transport;
  config.agent.debug_console = ctx.g.debug_console;
  config.enable_template = ctx.g.use_template;
  config.network = o.network;
  if (!o.root.empty()) {
    auto c = ContainerFrom(o.container_id, o.root, args);
    if (!c) return Failed(c.error());
    config.containers = {*c};
  }
  auto rt = ctx.NewRuntime();
  auto status = start ? rt->RunSandbox(config) : rt->CreateSandbox(config);
  if (!status) return Failed(status.error());
  std::cout << status->id << std::endl;
  return 0;
}

}  // namespace

void AddSandboxVerbs(CLI::App& app, Context& ctx) {
  auto* sandbox = app.add_subcommand("sandbox", "manage sandboxes (one VM each)");
  sandbox->require_subcommand(1);
  auto o = std::make_shared<SandboxOptions>();
  for (bool start : {false, true}) {
    auto* cmd = sandbox->add_subcommand(start ? "run" : "create",
                                        start ? "create and start a sandbox"
                                              : "record a new sandbox (no VM yet); prints its id");
    cmd->add_option("--id", o->id, "sandbox id (default: generated)")->check(kNotEmpty);
    AddRootOptions(cmd, o->root, "initial container");
    cmd->add_option("--container-id", o->container_id, "id of the initial container")->capture_default_str();
    AddNetworkOptions(cmd, o->network);
    cmd->prefix_command();
    cmd->callback([&ctx, o, cmd, start] { ctx.exit_code = CreateOrRun(ctx, *o, start, ctx.CommandOf(cmd)); });
  }
  for (const IdVerb& verb : kIdVerbs) {
    auto* cmd = sandbox->add_subcommand(verb.name, verb.help);
    cmd->add_option("--id", o->id, "sandbox id")->required();
    cmd->callback([&ctx, o, fn = verb.fn] {
      auto rt = ctx.NewRuntime();
      if (auto r = fn(*rt, o->id); !r) ctx.exit_code = Failed(r.error());
    });
  }
  auto* del = sandbox->add_subcommand("delete", "remove a stopped sandbox (--force: any)");
  del->add_option("--id", o->id, "sandbox id")->required();
  del->add_flag("--force", o->force,
                "stop it first if it runs; remove it also when its state cannot be read");
  del->callback([&ctx, o] {
    if (auto r = ctx.NewRuntime()->DeleteSandbox(o->id, o->force); !r) ctx.exit_code = Failed(r.error());
  });
  auto* status = sandbox->add_subcommand("status", "show a sandbox and its containers");
  status->add_option("--id", o->id, "sandbox id")->required();
  status->add_flag("--json", ctx.g.json, "print JSON");
  status->add_flag("--timeline", o->timeline, "print the phases of the sandbox's last start instead");
  status->callback([&ctx, o] {
    auto s = ctx.NewRuntime()->StatusSandbox(o->id);
    if (!s) { ctx.exit_code = Failed(s.error()); return; }
    Print(o->timeline ? TimelineReport(s->timeline) : SandboxesReport({*s}, true), ctx.g.json);
  });
  auto* console = sandbox->add_subcommand(
      "console", "a shell in the guest, outside the containers (sandboxes made with --debug-console); Ctrl-] leaves");
  console->add_option("--id", o->id, "sandbox id")->required();
  console->callback([&ctx, o] { ctx.exit_code = RunDebugConsole(ctx, o->id); });
  auto* list = sandbox->add_subcommand("list", "list all sandboxes");
  list->add_flag("--json", ctx.g.json, "print JSON");
  list->callback([&ctx] {
    auto l = ctx.NewRuntime()->ListSandbox();
    if (!l) { ctx.exit_code = Failed(l.error()); return; }
    Print(SandboxesReport(*l, false), ctx.g.json);
  });
}

}  // namespace vc::virtc

// The `factory` verbs: the VM template sandboxes started with --template
// come from (src/factory/template.h).
#include "common.h"
#include "print.h"

namespace vc::virtc {
namespace {

// The configuration a template is made for and matched against: the global
// options, as --template takes them (virtio-9p unless --shared-fs says else).
vc::HypervisorConfig TemplateConfig(Globals g) {
  g.use_template = true;
  return HypervisorFrom(g);
}

}  // namespace

void AddFactoryVerbs(CLI::App& app, Context& ctx) {
  auto* factory = app.add_subcommand("factory", "the VM template that sandboxes started with --template come from");
  factory->require_subcommand(1);
  auto* init = factory->add_subcommand("init", "boot a VM for the global options and save it as the template");
  init->add_flag("--json", ctx.g.json, "print JSON");
  init->callback([&ctx] {
    vc::AgentConfig agent;
    agent.transport = "serial";
    auto s = ctx.NewRuntime()->InitFactory(TemplateConfig(ctx.g), agent);
    if (!s) { ctx.exit_code = Failed(s.error()); return; }
    Print(FactoryReport(*s), ctx.g.json);
  });
  auto* status = factory->add_subcommand("status", "show the template and whether it fits the global options");
  status->add_flag("--json", ctx.g.json, "print JSON");
  status->callback([&ctx] { Print(FactoryReport(ctx.NewRuntime()->StatusFactory(TemplateConfig(ctx.g))), ctx.g.json); });
  auto* destroy = factory->add_subcommand("destroy", "remove the template (its sandboxes keep running)");
  destroy->callback([&ctx] {
    if (auto r = ctx.NewRuntime()->DestroyFactory(); !r) ctx.exit_code = Failed(r.error());
  });
}

}  // namespace vc::virtc

// The `network ...` verbs: a running sandbox's interfaces and routes as its
// guest has them; and the network options of the verbs that make a sandbox.
#include <memory>

#include "common.h"
#include "print.h"

namespace vc::virtc {

void AddNetworkOptions(CLI::App* cmd, vc::NetworkConfig& network) {
  auto* netns = cmd->add_option("--netns", network.netns_path,
                                "network namespace whose interfaces the sandbox takes over (/var/run/netns/NAME, "
                                "/proc/PID/ns/net); default: none, loopback only");
  cmd->add_option_function<std::string>(
         "--net",
         [&network](const std::string& kind) {
           if (kind != "cni" && kind != "none")
             throw CLI::ValidationError("--net", "must be cni or none, got '" + kind + "'");
           network.cni = kind == "cni";
         },
         "cni: make a network namespace for the sandbox and wire it with the CNI plugins of --cni-conf-dir "
         "(ADD at create, DEL at delete); none: loopback only")
      ->excludes(netns);
  cmd->add_option("--cni-conf-dir", network.cni_conf_dir, "CNI network configurations (the first by name is used)")
      ->capture_default_str();
  cmd->add_option("--cni-bin-dir", network.cni_bin_dir, "CNI plugin binaries")->capture_default_str();
  cmd->add_option("--net-model", network.model,
                  "how each interface reaches the VM: tcfilter (tc redirect to a tap), macvtap, none")
      ->capture_default_str();
}

void AddNetworkVerbs(CLI::App& app, Context& ctx) {
  auto* network = app.add_subcommand("network", "a running sandbox's network, as its guest has it");
  network->require_subcommand(1);
  auto sandbox = std::make_shared<std::string>();

  auto* list = network->add_subcommand("list", "interfaces of the guest (loopback aside)");
  list->add_option("--sandbox", *sandbox, "sandbox id")->required();
  list->add_flag("--json", ctx.g.json, "print JSON");
  list->callback([&ctx, sandbox] {
    auto r = ctx.NewRuntime()->ListInterfaces(*sandbox);
    if (!r) { ctx.exit_code = Failed(r.error()); return; }
    Print(InterfacesReport(*r), ctx.g.json);
  });

  auto name = std::make_shared<std::string>();
  auto* add = network->add_subcommand(
      "add", "connect an interface added to the sandbox's pod namespace after start (hot-plugged NIC)");
  add->add_option("--sandbox", *sandbox, "sandbox id")->required();
  add->add_option("--name", *name, "interface name in the pod's network namespace")->required();
  add->add_flag("--json", ctx.g.json, "print JSON");
  add->callback([&ctx, sandbox, name] {
    auto r = ctx.NewRuntime()->AddInterface(*sandbox, *name);
    if (!r) { ctx.exit_code = Failed(r.error()); return; }
    Print(InterfacesReport({*r}), ctx.g.json);
  });

  auto* remove = network->add_subcommand("remove", "unplug the NIC of a pod interface");
  remove->add_option("--sandbox", *sandbox, "sandbox id")->required();
  remove->add_option("--name", *name, "interface name in the pod's network namespace")->required();
  remove->callback([&ctx, sandbox, name] {
    auto r = ctx.NewRuntime()->RemoveInterface(*sandbox, *name);
    if (!r) ctx.exit_code = Failed(r.error());
  });

  auto* routes = network->add_subcommand("routes", "routes of the guest's main table");
  routes->add_option("--sandbox", *sandbox, "sandbox id")->required();
  routes->add_flag("--json", ctx.g.json, "print JSON");
  routes->callback([&ctx, sandbox] {
    auto r = ctx.NewRuntime()->ListRoutes(*sandbox);
    if (!r) { ctx.exit_code = Failed(r.error()); return; }
    Print(RoutesReport(*r), ctx.g.json);
  });
}

}  // namespace vc::virtc

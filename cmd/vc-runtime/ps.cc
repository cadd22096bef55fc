// `ps`: the processes of a container. They run in the VM: the table lists
// their pids in the guest. The JSON list is of host pids, as runc's is, for
// callers that look them up in the host's process table (docker top, podman
// top): the one host process that stands for the container, its monitor.
#include <iostream>

#include "context.h"

namespace vc::vcrt {

void AddPs(CLI::App& app, Context& ctx) {
  struct Options {
    std::string id, format = "table";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("ps", "list a container's processes (guest pids)");
  cmd->add_option("id", o->id, "container id")->required();
  cmd->add_option("-f,--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  cmd->allow_extras();  // runc hands the rest to ps(1); the guest has no ps to give it to
  cmd->callback([&ctx, o] {
    auto e = ctx.Find(o->id);
    if (!e) {
      ctx.Fail(e.error());
      return;
    }
    auto pids = ctx.Runtime().PidsContainer(e->sandbox_id, e->id);
    if (!pids) {
      ctx.Fail(pids.error());
      return;
    }
    if (o->format == "json") {
      std::vector<int32_t> host;
      if (Observe(ctx, *e).pid > 0) host.push_back(e->pid);
      std::cout << nlohmann::json(host).dump() << std::endl;
      return;
    }
    std::cout << "PID\n";
    for (int32_t pid : *pids) std::cout << pid << "\n";
    std::cout.flush();
  });
}

}  // namespace vc::vcrt

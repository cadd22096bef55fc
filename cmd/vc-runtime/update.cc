// `update`: new limits for a container's processes (its cgroup in the guest).
#include <iostream>
#include <iterator>
#include <optional>

#include "context.h"
#include "oci/convert.h"
#include "oci/spec.h"
#include "os/file.h"

namespace vc::vcrt {

void AddUpdate(CLI::App& app, Context& ctx) {
  struct Options {
    std::string id, resources;
    std::optional<int64_t> memory, memory_swap, cpu_quota, pids_limit;
    std::optional<uint64_t> cpu_shares, cpu_period;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("update", "change a container's resource limits");
  cmd->add_option("id", o->id, "container id")->required();
  cmd->add_option("-r,--resources", o->resources, "OCI linux.resources JSON file, - for stdin");
  cmd->add_option("--memory", o->memory, "memory limit in bytes (-1: none)");
  cmd->add_option("--memory-swap", o->memory_swap, "memory plus swap limit in bytes (-1: none)");
  cmd->add_option("--cpu-shares", o->cpu_shares, "CPU shares");
  cmd->add_option("--cpu-quota", o->cpu_quota, "CPU time per period in microseconds (-1: none)");
  cmd->add_option("--cpu-period", o->cpu_period, "CPU period in microseconds");
  cmd->add_option("--pids-limit", o->pids_limit, "most processes (-1: none)");
  cmd->callback([&ctx, o] {
    vc::ContainerResources r;
    if (!o->resources.empty()) {
      vc::Result<std::string> text = o->resources == "-"
                                         ? vc::Result<std::string>(std::string(std::istreambuf_iterator<char>(std::cin), {}))
                                         : vc::os::ReadFile(o->resources);
      if (!text) {
        ctx.Fail(text.error().Wrap("--resources"));
        return;
      }
      auto parsed = vc::oci::ParseResources(*text);
      if (!parsed) {
        ctx.Fail(parsed.error().Wrap("--resources"));
        return;
      }
      r = vc::oci::ContainerResourcesOf(*parsed);
    }
    if (o->memory) r.memory_limit_bytes = o->memory;
    if (o->memory_swap) r.memory_swap_bytes = o->memory_swap;
    if (o->cpu_shares) r.cpu_shares = o->cpu_shares;
    if (o->cpu_quota) r.cpu_quota_usec = o->cpu_quota;
    if (o->cpu_period) r.cpu_period_usec = o->cpu_period;
    if (o->pids_limit) r.pids_limit = o->pids_limit;
    auto e = ctx.Find(o->id);
    if (!e) {
      ctx.Fail(e.error());
      return;
    }
    if (auto ok = ctx.Runtime().UpdateContainer(e->sandbox_id, e->id, r); !ok) ctx.Fail(ok.error());
  });
}

}  // namespace vc::vcrt

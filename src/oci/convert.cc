#include "oci/convert.h"

#include "oci/defaults.h"
#include "oci/validate.h"

namespace vc::oci {

Process ProcessOf(const Cmd& cmd, Process base) {
  base.args = cmd.args;
  base.env = cmd.env;
  base.cwd = cmd.cwd;
  base.user.uid = cmd.uid;
  base.user.gid = cmd.gid;
  base.terminal = cmd.terminal;
  return base;
}

Cmd CmdOf(const Process& p) {
  Cmd cmd;
  cmd.args = p.args;
  cmd.env = p.env;
  cmd.cwd = p.cwd;
  cmd.uid = p.user.uid;
  cmd.gid = p.user.gid;
  cmd.terminal = p.terminal;
  return cmd;
}

std::string NetnsPathOf(const Spec& spec) {
  for (const auto& ns : spec.linux.namespaces)
    if (ns.type == "network") return ns.path;
  return "";
}

ContainerConfig ContainerConfigOf(const Spec& spec) {
  ContainerConfig config;
  config.cmd = CmdOf(*spec.process);
  config.rootfs = spec.root.path;
  config.annotations = spec.annotations;
  config.oci_spec = ToJson(spec).dump();
  return config;
}

void Apply(Resources& into, const ContainerResources& update) {
  if (update.memory_limit_bytes) into.memory_limit = update.memory_limit_bytes;
  if (update.memory_swap_bytes) {
    into.memory_swap = update.memory_swap_bytes;
  } else if (update.memory_limit_bytes && into.memory_swap && *into.memory_swap > 0 &&
             (*update.memory_limit_bytes < 0 || *into.memory_swap < *update.memory_limit_bytes)) {
    // A kept memory+swap below the new limit would refuse it: engines write
    // swap == limit for "no swap" (containerd and Docker do), so it follows.
    into.memory_swap = update.memory_limit_bytes;
  }
  if (update.cpu_shares) into.cpu_shares = update.cpu_shares;
  if (update.cpu_quota_usec) into.cpu_quota = update.cpu_quota_usec;
  if (update.cpu_period_usec) into.cpu_period = update.cpu_period_usec;
  if (update.pids_limit) into.pids_limit = update.pids_limit;
}

ContainerResources ContainerResourcesOf(const Resources& r) {
  return ContainerResources{r.memory_limit, r.memory_swap, r.cpu_shares, r.cpu_quota, r.cpu_period, r.pids_limit};
}

Result<Spec> SpecOf(const ContainerConfig& config) {
  if (config.oci_spec.empty()) return Spec{};
  auto parsed = Parse(config.oci_spec);
  if (!parsed) return std::unexpected(parsed.error().Wrap("container " + config.id));
  return parsed;
}

Result<Spec> GuestSpec(const ContainerConfig& config, const std::string& guest_root,
                       const std::string& hostname) {
  auto parsed = config.oci_spec.empty() ? Result<Spec>(DefaultSpec()) : SpecOf(config);
  if (!parsed) return parsed;
  Spec spec = std::move(*parsed);
  spec.process = ProcessOf(config.cmd, spec.process.value_or(Process{}));
  spec.root.path = guest_root;
  // The spec's own hostname wins; a container with a UTS namespace of its
  // own and no hostname gets the sandbox's, as a pod's containers do.
  const Namespace* uts = FindNamespace(spec.linux, "uts");
  if (spec.hostname.empty() && uts && uts->path.empty()) spec.hostname = hostname;
  return spec;
}

}  // namespace vc::oci

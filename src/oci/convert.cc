#include "oci/convert.h"

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

ContainerConfig ContainerConfigOf(const Spec& spec) {
  ContainerConfig config;
  config.cmd = CmdOf(*spec.process);
  config.rootfs = spec.root.path;
  config.annotations = spec.annotations;
  config.oci_spec = ToJson(spec).dump();
  return config;
}

Result<Spec> GuestSpec(const ContainerConfig& config, const std::string& guest_root,
                       const std::string& hostname) {
  Spec spec;
  if (!config.oci_spec.empty()) {
    auto parsed = Parse(config.oci_spec);
    if (!parsed) return std::unexpected(parsed.error().Wrap("container " + config.id));
    spec = std::move(*parsed);
  }
  spec.process = ProcessOf(config.cmd, spec.process.value_or(Process{}));
  spec.root.path = guest_root;
  spec.hostname = hostname;
  return spec;
}

}  // namespace vc::oci

// Between the public API's terms (vc::Cmd, vc::ContainerConfig) and the OCI model.
#pragma once

#include <string>

#include "oci/spec.h"
#include "vc/types.h"

namespace vc::oci {

// `base`'s process with what a Cmd says written over it (args, env, cwd,
// user ids, terminal); the rest (capabilities, rlimits, ...) stays.
Process ProcessOf(const Cmd& cmd, Process base = {});
Cmd CmdOf(const Process& process);

// A container of the spec's bundle: its process as cmd, its root, its
// annotations, and the spec itself. REQUIRES: spec.process is set.
ContainerConfig ContainerConfigOf(const Spec& spec);

// The network namespace the spec joins (linux.namespaces, type "network",
// with a path: what containerd's CRI plugin and `ctr run --with-ns` write);
// empty if none.
std::string NetnsPathOf(const Spec& spec);

// The limits a ContainerResources sets, written over `into`.
void Apply(Resources& into, const ContainerResources& update);
ContainerResources ContainerResourcesOf(const Resources& resources);

// The container's own spec, or an empty one if it has none.
// REQUIRES: config.oci_spec is empty or valid (ValidateContainerConfig).
Result<Spec> SpecOf(const ContainerConfig& config);

// The spec the guest gets for a container: the container's own spec (or
// DefaultSpec), its process from config.cmd, its root at `guest_root`, the
// sandbox's `hostname` unless the spec names one or shares a UTS namespace.
// REQUIRES: config.oci_spec is empty or a valid spec (ContainerConfigFromBundle made it).
Result<Spec> GuestSpec(const ContainerConfig& config, const std::string& guest_root,
                       const std::string& hostname);

}  // namespace vc::oci

// Checks of a spec that need neither the sandbox nor the guest: what runc
// refuses at create. The host runs them before it touches the sandbox; the
// agent runs them again on what it receives. Errors name the field. Pure
// functions; thread-safe.
#pragma once

#include <string>

#include "oci/spec.h"
#include "vc/result.h"

namespace vc::oci {

// The whole spec: mounts, devices, sysctls, namespaces, id mappings, hooks
// (their paths only: whether they exist is the host's question) and the
// process (ValidateProcess).
Result<> Validate(const Spec& spec);
// A process (the container's or an exec's): capability and rlimit names,
// user, oomScoreAdj range.
Result<> ValidateProcess(const Process& process);

// RLIMIT_NOFILE for "RLIMIT_NOFILE"; kInvalidArgument for a name Linux lacks.
Result<int> RlimitResource(const std::string& name);
// 21 for "CAP_SYS_ADMIN" (libcap's table, which follows the kernel's).
Result<int> CapabilityNumber(const std::string& name);
// The namespace a sysctl key belongs to ("ipc", "uts", "net"), or an error
// for a key that is not namespaced and so would change the whole guest.
Result<std::string> SysctlNamespace(const std::string& key);

// Whether linux.resources.devices lets the container read, write and mknod
// every device (a wildcard allow of "rwm" with no deny after it): what
// containerd, Docker and podman give a privileged container.
bool AllowsAllDevices(const Linux& linux);

// The spec's namespace entry of `type`, or nullptr if it has none.
const Namespace* FindNamespace(const Linux& linux, const std::string& type);

}  // namespace vc::oci

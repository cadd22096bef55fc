// How big a sandbox's VM must be for its containers (Kata's rule): its boot
// size, plus for every container that has not stopped its CPU quota in whole
// vCPUs and its memory limit. The guest's own needs live in the boot size (a
// RuntimeClass's overhead); the containers' limits come on top, so a container
// can really use what its limit says.
#pragma once

#include <string>

#include "hypervisor/hypervisor.h"
#include "oci/spec.h"
#include "sandbox/record.h"

namespace vc {

// `cid` counts with `resources` (what it is being created or updated with).
hypervisor::VmSize NeededVmSize(const SandboxRecord& record, const std::string& cid,
                                const oci::Resources& resources);

}  // namespace vc

// The guest assets QEMU boots (kernel and initramfs): the one check of
// whether they are there, for the sandbox's validation at create and for
// QEMU's start.
#pragma once

#include "vc/result.h"
#include "vc/types.h"

namespace vc::hypervisor::qemu {

// kNotFound naming the missing file and how to get it.
Result<> CheckGuestAssets(const HypervisorConfig& config);

}  // namespace vc::hypervisor::qemu

// Checks of configurations before anything is recorded or started, so bad
// input gets a clear error and leaves nothing behind.
#pragma once

#include "vc/result.h"
#include "vc/types.h"

namespace vc {

Result<> ValidateContainerConfig(const ContainerConfig& config);
// Also fills in defaults: a generated id, the hostname.
Result<> ValidateSandboxConfig(SandboxConfig& config);

}  // namespace vc

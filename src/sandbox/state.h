// Which operation is allowed in which state, in one table per object kind.
// A refused call gets a message naming the object, its state and the way out.
#pragma once

#include <string>

#include "vc/result.h"
#include "vc/types.h"
#include "vc/vc.h"  // ValidateId

namespace vc {

enum class SandboxOp { kStart, kStop, kPause, kResume, kDelete, kAddContainer };
enum class ContainerOp { kStart, kStop, kPause, kResume, kDelete, kEnter, kKill };

Result<> CheckSandboxOp(const std::string& id, SandboxState state, SandboxOp op);
Result<> CheckContainerOp(const std::string& id, ContainerState state, ContainerOp op);

}  // namespace vc

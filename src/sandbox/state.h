// Which operation is allowed in which state, in one table per object kind.
// A refused call gets a message naming the object, its state and the way out.
#pragma once

#include <string>

#include "vc/result.h"
#include "vc/types.h"

namespace vc {

enum class SandboxOp { kStart, kStop, kPause, kResume, kDelete, kAddContainer };
enum class ContainerOp { kStart, kStop, kPause, kResume, kDelete, kEnter, kKill };

Result<> CheckSandboxOp(const std::string& id, SandboxState state, SandboxOp op);
Result<> CheckContainerOp(const std::string& id, ContainerState state, ContainerOp op);

// Identifiers of sandboxes, containers and processes: 1 to 64 characters from
// [A-Za-z0-9_.-], starting with a letter or digit (so never "", ".", ".." or a path).
Result<> ValidateId(const std::string& kind, const std::string& id);

}  // namespace vc

// containerd.task.v2.Task over ttRPC: the one place that knows containerd's
// task, metrics and runtime-options messages. Each request is translated
// into the shim's own types (types.h) and handed to Tasks.
#pragma once

#include <functional>
#include <string>

#include "shim/tasks.h"
#include "ttrpc/server.h"

namespace vc::shim {

inline constexpr const char* kTaskService = "containerd.task.v2.Task";

// Registers every Task method. `on_shutdown` runs when containerd asks the
// shim to exit and no container is left.
void RegisterTaskService(ttrpc::MethodTable& table, Tasks& tasks, std::function<void()> on_shutdown);

// The DeleteResponse the `delete` action prints on stdout.
std::string EncodeDeleteResponse(uint32_t pid, const Exit& exit);

}  // namespace vc::shim

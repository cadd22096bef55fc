// The library's end of a debug console session (vc::DebugConsole): frames
// of agent/console_frames.h over the host socket of the VM's console port.
#pragma once

#include <chrono>
#include <memory>

#include "protocol/console_frames.h"
#include "sandbox/backend.h"
#include "vc/vc.h"

namespace vc {

// Greets the guest with a terminal of `size` and waits up to `ready_timeout`
// for its shell; the handle, or why there is no shell.
Result<std::unique_ptr<DebugConsole>> StartDebugConsole(DebugConsoleEnds ends, agent::console::Size size,
                                                        std::chrono::milliseconds ready_timeout);

}  // namespace vc

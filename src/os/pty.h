// Pipes and pseudo-terminals for a child's stdio (the guest agent's
// containers and its debug console).
#pragma once

#include <cstdint>
#include <utility>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::os {

// A pipe: read end, write end, both close-on-exec.
Result<std::pair<Fd, Fd>> Pipe();

// A new pseudo-terminal: master and slave, both close-on-exec, the master
// with `master_flags` too (O_NONBLOCK); sized `rows` x `cols` unless either
// is 0.
Result<std::pair<Fd, Fd>> OpenPty(uint16_t rows, uint16_t cols, int master_flags = 0);

}  // namespace vc::os

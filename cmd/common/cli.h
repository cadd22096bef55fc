// What the command-line programs (virtc, vc-runtime) share: where the guest
// assets are, signal names, and copying a container process's stdio.
#pragma once

#include <memory>
#include <string>

#include "vc/vc.h"

namespace vc::cli {

// Where the guest assets are by default: <dir of the program>/../guest/.
std::string DefaultGuestDir();

// A signal given by name ("TERM", "SIGTERM", "term") or number ("15");
// -1 if it is neither.
int SignalNumber(const std::string& name);

// Copies the process's output to our fds 1 and 2, our fd 0 to its stdin (if
// `forward_stdin`; our EOF closes its stdin), waits for it, and returns its
// exit status once all output is out.
vc::Result<int> Relay(std::shared_ptr<vc::Process> process, bool forward_stdin);

}  // namespace vc::cli

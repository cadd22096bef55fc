// The three ways containerd runs the shim binary.
//   start:  find or launch the shim serving this container, print its address
//   delete: clean up after a shim that died; print a DeleteResponse
//   serve:  the long-lived shim (launched by start), listening on fd 3
#pragma once

#include "shim/args.h"

namespace vc::shim {

int StartShim(const Args& args);
int DeleteShim(const Args& args);
int ServeShim(const Args& args);

}  // namespace vc::shim

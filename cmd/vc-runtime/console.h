// --console-socket: the container's terminal as runc hands it over. The
// caller listens on a unix socket; the runtime connects, sends the master of
// a new pty with SCM_RIGHTS, and keeps the slave for the container's stdio.
#pragma once

#include <string>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::vcrt {

// Fails unless `path` is a unix socket (checked before anything is created).
vc::Result<> CheckConsoleSocket(const std::string& path);

struct Pty {
  vc::os::Fd master, slave;
};

// A new pty whose slave is raw: bytes pass unchanged, since the terminal
// the container's process sees is the guest's.
vc::Result<Pty> OpenPty();

// Sends `master` over the socket at `path` with SCM_RIGHTS.
vc::Result<> SendConsole(const std::string& path, int master);

}  // namespace vc::vcrt

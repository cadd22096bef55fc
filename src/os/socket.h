// Unix stream sockets.
#pragma once

#include <string>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::os {

// A socket connected to `path` (a leading "unix://" is accepted). A refused
// or missing socket is kUnavailable.
Result<Fd> ConnectUnix(const std::string& path);

// A listening socket bound at `path` (an existing file there is replaced).
Result<Fd> ListenUnix(const std::string& path);

}  // namespace vc::os

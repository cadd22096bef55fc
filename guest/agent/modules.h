// Kernel modules the host sends: the guest image holds none, so a module a
// container asks for arrives as bytes and goes straight to the kernel.
#pragma once

#include <string>

#include "vc/result.h"

namespace vc::agent {

// Loads the module whose .ko file is `image` with `parameters` ("key=value
// ..."). A module already loaded is left as it is.
Result<> LoadModule(const std::string& name, const std::string& image, const std::string& parameters);

}  // namespace vc::agent

// Kernel modules a container asks for (kModulesAnnotation), found in the
// guest kernel's modules directory on the host (build-kernel.sh writes it
// beside the kernel: the .ko files, modules.dep, modules.builtin) with their
// dependencies, in the order the guest must load them. The guest image holds
// no module: the agent receives each one's bytes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "vc/result.h"

namespace vc::resource {

// "name [key=value ...]; name2": Kata's format for the same request.
inline constexpr const char* kModulesAnnotation = "io.virtcontainers.kernel_modules";

struct KernelModule {
  std::string name;        // as the kernel names it ("br_netfilter")
  std::string path;        // the .ko file on the host
  std::string parameters;  // "" for a dependency
};

// The modules of the annotation (none when it is absent), dependencies
// first; a module built into the kernel needs nothing and is left out.
// kInvalidArgument names a module the kernel has neither built in nor in
// `dir`; kNotFound when there is no modules directory at all.
Result<std::vector<KernelModule>> ModulesToLoad(const std::map<std::string, std::string>& annotations,
                                                const std::string& dir);

// The modules directory of a guest kernel: `modules/` beside it.
std::string ModulesDirOf(const std::string& kernel_path);

}  // namespace vc::resource

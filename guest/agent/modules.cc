#include "modules.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/error.h"

namespace vc::agent {

Result<> LoadModule(const std::string& name, const std::string& image, const std::string& parameters) {
  if (::syscall(SYS_init_module, image.data(), image.size(), parameters.c_str()) == 0 || errno == EEXIST)
    return {};
  const int err = errno;
  if (err == ENOEXEC)
    return Fail(ErrorCode::kInvalidArgument,
                "kernel module " + name + ": not a module this guest kernel can load (built for another kernel?)");
  return os::FailErrno("load kernel module " + name + (parameters.empty() ? "" : " (" + parameters + ")"), err);
}

}  // namespace vc::agent

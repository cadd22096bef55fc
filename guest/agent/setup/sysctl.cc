// linux.sysctl: written through the container's /proc/sys, so each value
// lands in the container's own IPC or UTS namespace (or the pod's network).
#include <fcntl.h>

#include <algorithm>

#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "setup/setup.h"

namespace vc::agent::setup {

Result<> WriteSysctls(const oci::Linux& linux) {
  for (const auto& [key, value] : linux.sysctl) {
    std::string path = key;
    std::replace(path.begin(), path.end(), '.', '/');
    path = "/proc/sys/" + path;
    os::Fd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!file) return os::FailErrno("sysctl " + key);
    if (auto ok = os::WriteAll(file.get(), value); !ok)
      return std::unexpected(ok.error().Wrap("sysctl " + key + "=" + value));
  }
  return {};
}

}  // namespace vc::agent::setup

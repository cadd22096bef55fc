// process.rlimits and process.oomScoreAdj.
#include <fcntl.h>
#include <unistd.h>

#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "setup/setup.h"

namespace vc::agent::setup {

Result<> SetRlimits(const Prepared& prepared) {
  for (const auto& r : prepared.rlimits)
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &r.limit) != 0)
      return os::FailErrno("set " + r.name);
  return {};
}

Result<> SetOomScoreAdj(const oci::Process& process) {
  if (!process.oom_score_adj) return {};
  os::Fd file(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
  const std::string value = std::to_string(*process.oom_score_adj);
  if (!file) return os::FailErrno("open /proc/self/oom_score_adj");
  if (auto ok = os::WriteAll(file.get(), value); !ok)
    return std::unexpected(ok.error().Wrap("set oom_score_adj " + value));
  return {};
}

}  // namespace vc::agent::setup

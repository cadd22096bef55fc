// The security steps every process of a container goes through, in runc's
// order: what needs privilege first, the drop of privilege, then what binds
// the unprivileged process (noNewPrivileges, a late seccomp filter).
#include <sys/prctl.h>
#include <unistd.h>

#include "oci/validate.h"
#include "os/error.h"
#include "setup/setup.h"

namespace vc::agent::setup {

Result<Prepared> Prepare(const oci::Process& process, const std::optional<oci::Seccomp>& seccomp) {
  if (auto ok = oci::ValidateProcess(process); !ok) return std::unexpected(ok.error());
  Prepared prepared;
  for (const auto& r : process.rlimits)
    prepared.rlimits.push_back({r.type, *oci::RlimitResource(r.type), rlimit{r.soft, r.hard}});
  // No capabilities section means no capabilities, as in runc.
  auto caps = ResolveCapabilities(process.capabilities.value_or(oci::Capabilities{}));
  if (!caps) return std::unexpected(caps.error());
  prepared.capabilities = std::move(*caps);
  if (seccomp) {
    auto filter = BuildSeccomp(*seccomp);
    if (!filter) return std::unexpected(filter.error());
    prepared.seccomp = std::move(*filter);
  }
  prepared.no_new_privileges = process.no_new_privileges;
  return prepared;
}

Result<> ApplyProcess(const oci::Process& process, const Prepared& prepared) {
  if (auto ok = SetRlimits(prepared); !ok) return ok;
  if (auto ok = SetOomScoreAdj(process); !ok) return ok;
  // Without noNewPrivileges, loading a filter needs CAP_SYS_ADMIN: load it
  // while the process still has it.
  if (prepared.seccomp && !prepared.no_new_privileges)
    if (auto ok = LoadSeccomp(*prepared.seccomp); !ok) return ok;
  if (auto ok = DropBoundingSet(prepared.capabilities); !ok) return ok;
  if (auto ok = SetUser(process.user); !ok) return ok;
  if (auto ok = SetCapabilities(prepared.capabilities); !ok) return ok;
  if (::chdir(process.cwd.c_str()) != 0) return os::FailErrno("chdir " + process.cwd);
  if (prepared.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return os::FailErrno("set no_new_privs");
  if (prepared.seccomp && prepared.no_new_privileges)
    if (auto ok = LoadSeccomp(*prepared.seccomp); !ok) return ok;
  return {};
}

}  // namespace vc::agent::setup

// process.user: groups, gid, uid and umask.
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/error.h"
#include "setup/setup.h"

namespace vc::agent::setup {

Result<> SetUser(const oci::User& user) {
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return os::FailErrno("keep capabilities");
  std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
  if (::setgroups(groups.size(), groups.data()) != 0) return os::FailErrno("setgroups");
  if (::setgid(user.gid) != 0) return os::FailErrno("setgid " + std::to_string(user.gid));
  if (::setuid(user.uid) != 0) return os::FailErrno("setuid " + std::to_string(user.uid));
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return os::FailErrno("stop keeping capabilities");
  ::umask(static_cast<mode_t>(user.umask.value_or(022)));
  return {};
}

}  // namespace vc::agent::setup

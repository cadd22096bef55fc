// The five capability sets of process.capabilities.
#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <type_traits>

#include "oci/validate.h"
#include "os/error.h"
#include "setup/setup.h"

namespace vc::agent::setup {

namespace {

Result<> Resolve(const std::vector<std::string>& names, const char* set, std::vector<int>& into) {
  for (const auto& name : names) {
    auto n = oci::CapabilityNumber(name);
    if (!n) return std::unexpected(n.error().Wrap(std::string("process.capabilities.") + set));
    into.push_back(*n);
  }
  return {};
}

}  // namespace

Result<CapabilitySets> ResolveCapabilities(const oci::Capabilities& caps) {
  CapabilitySets out;
  for (auto ok : {Resolve(caps.bounding, "bounding", out.bounding), Resolve(caps.effective, "effective", out.effective),
                  Resolve(caps.inheritable, "inheritable", out.inheritable),
                  Resolve(caps.permitted, "permitted", out.permitted), Resolve(caps.ambient, "ambient", out.ambient)})
    if (!ok) return std::unexpected(ok.error());
  return out;
}

Result<> DropBoundingSet(const CapabilitySets& caps) {
  const int known = static_cast<int>(cap_max_bits());
  for (int cap = 0; cap < known; ++cap) {
    if (std::find(caps.bounding.begin(), caps.bounding.end(), cap) != caps.bounding.end()) continue;
    if (cap_drop_bound(cap) != 0) return os::FailErrno("drop " + std::string(cap_to_name(cap)) + " from the bounding set");
  }
  return {};
}

Result<> SetCapabilities(const CapabilitySets& caps) {
  cap_t state = cap_init();
  if (!state) return os::FailErrno("cap_init");
  static_assert(std::is_same_v<cap_value_t, int>);
  auto set = [&](cap_flag_t flag, const std::vector<int>& values) {
    return values.empty() || cap_set_flag(state, flag, static_cast<int>(values.size()), values.data(), CAP_SET) == 0;
  };
  bool ok = set(CAP_EFFECTIVE, caps.effective) && set(CAP_PERMITTED, caps.permitted) &&
            set(CAP_INHERITABLE, caps.inheritable) && cap_set_proc(state) == 0;
  const int err = errno;
  cap_free(state);
  if (!ok) return os::FailErrno("set the capability sets", err);
  // The kernel raises an ambient capability only if it is permitted and
  // inheritable too; runc skips the others (its default spec has such), and
  // so do we.
  for (int cap : caps.ambient)
    if (cap_set_ambient(cap, CAP_SET) != 0 && errno != EPERM)
      return os::FailErrno("raise ambient " + std::string(cap_to_name(cap)));
  return {};
}

}  // namespace vc::agent::setup

// The five capability sets of process.capabilities.
#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>

#include "oci/validate.h"
#include "os/error.h"
#include "setup/setup.h"

namespace vc::agent::setup {

namespace {

Result<std::vector<int>> Resolve(const std::vector<std::string>& names, const char* set) {
  std::vector<int> out;
  for (const auto& name : names) {
    auto n = oci::CapabilityNumber(name);
    if (!n) return std::unexpected(n.error().Wrap(std::string("process.capabilities.") + set));
    out.push_back(*n);
  }
  return out;
}

}  // namespace

Result<CapabilitySets> ResolveCapabilities(const oci::Capabilities& caps) {
  CapabilitySets out;
  const std::pair<const std::vector<std::string>*, std::vector<int>*> sets[] = {
      {&caps.bounding, &out.bounding},   {&caps.effective, &out.effective},
      {&caps.inheritable, &out.inheritable}, {&caps.permitted, &out.permitted},
      {&caps.ambient, &out.ambient}};
  const char* names[] = {"bounding", "effective", "inheritable", "permitted", "ambient"};
  for (size_t i = 0; i < std::size(sets); ++i) {
    auto resolved = Resolve(*sets[i].first, names[i]);
    if (!resolved) return std::unexpected(resolved.error());
    *sets[i].second = std::move(*resolved);
  }
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
  auto set = [&](cap_flag_t flag, const std::vector<int>& values) {
    std::vector<cap_value_t> v(values.begin(), values.end());
    return v.empty() || cap_set_flag(state, flag, static_cast<int>(v.size()), v.data(), CAP_SET) == 0;
  };
  bool ok = set(CAP_EFFECTIVE, caps.effective) && set(CAP_PERMITTED, caps.permitted) &&
            set(CAP_INHERITABLE, caps.inheritable) && cap_set_proc(state) == 0;
  const int err = errno;
  cap_free(state);
  if (!ok) return os::FailErrno("set the capability sets", err);
  for (int cap : caps.ambient)
    if (cap_set_ambient(cap, CAP_SET) != 0)
      return os::FailErrno("raise ambient " + std::string(cap_to_name(cap)) +
                           " (it must be permitted and inheritable too)");
  return {};
}

}  // namespace vc::agent::setup

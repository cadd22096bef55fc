// linux.seccomp: the spec's profile as a libseccomp filter.
#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "setup/setup.h"

namespace vc::agent::setup {

struct Seccomp {
  scmp_filter_ctx ctx = nullptr;
};

void SeccompDeleter::operator()(Seccomp* s) const {
  if (s->ctx) seccomp_release(s->ctx);
  delete s;
}

namespace {

std::unexpected<Error> Invalid(const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, "linux.seccomp: " + message);
}

Result<uint32_t> Action(const std::string& name, std::optional<uint32_t> errno_ret) {
  const uint32_t ret = errno_ret.value_or(EPERM);
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_NOTIFY")
    return Fail(ErrorCode::kUnimplemented, "linux.seccomp: SCMP_ACT_NOTIFY (a seccomp agent) is not supported");
  return Fail(ErrorCode::kInvalidArgument, "linux.seccomp: unknown action '" + name + "'");
}

Result<scmp_compare> Operator(const std::string& op) {
  static const std::map<std::string, scmp_compare> ops = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  auto it = ops.find(op);
  if (it == ops.end()) return Fail(ErrorCode::kInvalidArgument, "linux.seccomp: unknown operator '" + op + "'");
  return it->second;
}

// "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64".
Result<uint32_t> Architecture(const std::string& name) {
  const std::string prefix = "SCMP_ARCH_";
  std::string lower = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : "";
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const uint32_t arch = lower.empty() ? 0 : seccomp_arch_resolve_name(lower.c_str());
  if (arch == 0) return Fail(ErrorCode::kInvalidArgument, "linux.seccomp: unknown architecture '" + name + "'");
  return arch;
}

Result<> AddRule(scmp_filter_ctx ctx, uint32_t action, int nr, const std::string& name,
                 const std::vector<scmp_arg_cmp>& conditions) {
  int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conditions.size()),
                                  conditions.empty() ? nullptr : conditions.data());
  // A negative number is a syscall this architecture lacks (socketcall on
  // x86_64, say): nothing to filter here.
  if (rc != 0 && nr >= 0)
    return Invalid("rule for " + name + ": " + std::strerror(-rc));
  return {};
}

}  // namespace

Result<std::unique_ptr<Seccomp, SeccompDeleter>> BuildSeccomp(const oci::Seccomp& profile) {
  auto default_action = Action(profile.default_action, profile.default_errno_ret);
  if (!default_action) return std::unexpected(default_action.error());
  std::unique_ptr<Seccomp, SeccompDeleter> filter(new Seccomp);
  filter->ctx = seccomp_init(*default_action);
  if (!filter->ctx) return Invalid("cannot initialise a filter with default action " + profile.default_action);
  // The spec decides noNewPrivileges; libseccomp would otherwise set it.
  seccomp_attr_set(filter->ctx, SCMP_FLTATR_CTL_NNP, 0);
  for (const auto& name : profile.architectures) {
    auto arch = Architecture(name);
    if (!arch) return std::unexpected(arch.error());
    int rc = seccomp_arch_add(filter->ctx, *arch);
    if (rc != 0 && rc != -EEXIST) return Invalid("architecture " + name + ": " + std::strerror(-rc));
  }
  for (const auto& flag : profile.flags) {
    int rc;
    if (flag == "SECCOMP_FILTER_FLAG_LOG") rc = seccomp_attr_set(filter->ctx, SCMP_FLTATR_CTL_LOG, 1);
    else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") rc = seccomp_attr_set(filter->ctx, SCMP_FLTATR_CTL_SSB, 1);
    else if (flag == "SECCOMP_FILTER_FLAG_TSYNC") rc = seccomp_attr_set(filter->ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    else return Invalid("unknown flag '" + flag + "'");
    if (rc != 0) return Invalid("flag " + flag + ": " + std::strerror(-rc));
  }
  for (const auto& rule : profile.syscalls) {
    auto action = Action(rule.action, rule.errno_ret);
    if (!action) return std::unexpected(action.error());
    // A rule that does what the default does is no rule (libseccomp refuses it).
    if (*action == *default_action) continue;
    std::vector<scmp_arg_cmp> conditions;
    std::set<uint32_t> indexes;
    for (const auto& a : rule.args) {
      auto op = Operator(a.op);
      if (!op) return std::unexpected(op.error());
      if (a.index > 5) return Invalid("argument index " + std::to_string(a.index) + " is above 5");
      conditions.push_back(scmp_arg_cmp{a.index, *op, a.value, a.value_two});
      indexes.insert(a.index);
    }
    for (const auto& name : rule.names) {
      const int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) return Invalid("unknown syscall '" + name + "'");
      // libseccomp ANDs the conditions of one rule but cannot take two on the
      // same argument; those become one rule each (any of them matches), as
      // runc does.
      if (indexes.size() == conditions.size()) {
        if (auto ok = AddRule(filter->ctx, *action, nr, name, conditions); !ok) return std::unexpected(ok.error());
      } else {
        for (const auto& c : conditions)
          if (auto ok = AddRule(filter->ctx, *action, nr, name, {c}); !ok) return std::unexpected(ok.error());
      }
    }
  }
  return filter;
}

Result<> LoadSeccomp(const Seccomp& filter) {
  if (int rc = seccomp_load(filter.ctx); rc != 0)
    return Fail(ErrorCode::kInternal, std::string("load the seccomp filter: ") + std::strerror(-rc));
  return {};
}

}  // namespace vc::agent::setup

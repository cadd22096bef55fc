#include "sandbox/hooks.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "os/log.h"
#include "os/process.h"

namespace vc {

namespace {

// The spec gives no default; a hook without a timeout may take a day.
constexpr std::chrono::seconds kNoTimeout = std::chrono::hours(24);

std::string StateJson(const HookState& s) {
  nlohmann::json j = {{"ociVersion", "1.0.2"}, {"id", s.id}, {"status", s.status},
                      {"bundle", s.bundle},    {"annotations", s.annotations}};
  if (s.pid > 0) j["pid"] = s.pid;
  return j.dump();
}

Result<> RunHook(const std::string& point, const oci::Hook& hook, const std::string& state) {
  os::SpawnOptions options;
  options.program = hook.path;
  options.argv = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  options.env = hook.env;
  const auto timeout = hook.timeout ? std::chrono::seconds(*hook.timeout) : kNoTimeout;
  const std::string what = point + " hook " + hook.path;
  auto run = os::RunToCompletion(options, state, timeout);
  if (!run) return std::unexpected(run.error().Wrap(what));
  if (run->status != 0) {
    std::string said = run->err.empty() ? run->out : run->err;
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    return Fail(ErrorCode::kFailedPrecondition,
                what + ": exit status " + std::to_string(run->status) + (said.empty() ? "" : ": " + said));
  }
  return {};
}

}  // namespace

Result<> RunHooks(const std::string& point, const std::vector<oci::Hook>& hooks, const HookState& state) {
  const std::string json = StateJson(state);
  for (const auto& hook : hooks)
    if (auto ok = RunHook(point, hook, json); !ok) return ok;
  return {};
}

void RunHooksWarnOnly(const std::string& point, const std::vector<oci::Hook>& hooks, const HookState& state) {
  const std::string json = StateJson(state);
  for (const auto& hook : hooks)
    if (auto ok = RunHook(point, hook, json); !ok) log::Warn("container " + state.id + ": " + ok.error().message);
}

}  // namespace vc

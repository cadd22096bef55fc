#include "hypervisor/mock/mock.h"

#include <mutex>

namespace vc::hypervisor::mock {

namespace {
std::mutex fail_mu;
std::optional<std::string> fail_next;  // guarded by fail_mu
}  // namespace

void MockHypervisor::FailNextStart(std::string message) {
  std::lock_guard lock(fail_mu);
  fail_next = std::move(message);
}

Result<> MockHypervisor::Start(const VmSpec& spec) {
  {
    std::lock_guard lock(fail_mu);
    if (fail_next) {
      std::string message = std::move(*fail_next);
      fail_next.reset();
      return Fail(ErrorCode::kUnavailable, message);
    }
  }
  if (state_ != State::kOff) return Fail(ErrorCode::kFailedPrecondition, "mock VM already started");
  sandbox_id_ = spec.sandbox_id;
  state_ = State::kRunning;
  return {};
}

Result<> MockHypervisor::Attach(const nlohmann::json& state) {
  std::string s = state.value("state", std::string("off"));
  sandbox_id_ = state.value("sandbox_id", std::string());
  if (s == "running") state_ = State::kRunning;
  else if (s == "paused") state_ = State::kPaused;
  else return Fail(ErrorCode::kUnavailable, "mock VM of " + sandbox_id_ + " is not running");
  return {};
}

nlohmann::json MockHypervisor::Save() const {
  const char* names[] = {"off", "running", "paused"};
  return {{"state", names[static_cast<int>(state_)]}, {"sandbox_id", sandbox_id_}};
}

Result<> MockHypervisor::Stop(std::chrono::milliseconds) {
  state_ = State::kOff;
  return {};
}

Result<> MockHypervisor::Pause() {
  if (state_ != State::kRunning) return Fail(ErrorCode::kFailedPrecondition, "mock VM is not running");
  state_ = State::kPaused;
  return {};
}

Result<> MockHypervisor::Resume() {
  if (state_ != State::kPaused) return Fail(ErrorCode::kFailedPrecondition, "mock VM is not paused");
  state_ = State::kRunning;
  return {};
}

}  // namespace vc::hypervisor::mock

// A hypervisor without a VM, for unit tests of the code above the
// hypervisor interface: it keeps the state a real VM would have.
#pragma once

#include <optional>

#include "hypervisor/hypervisor.h"

namespace vc::hypervisor::mock {

class MockHypervisor : public Hypervisor {
 public:
  // The next Start() of any mock fails with this message (once).
  static void FailNextStart(std::string message);

  std::string Name() const override { return "mock"; }
  Capabilities GetCapabilities() const override { return {}; }
  Result<> Start(const VmSpec& spec) override;
  Result<> Attach(const nlohmann::json& state) override;
  nlohmann::json Save() const override;
  Result<> Stop(std::chrono::milliseconds grace) override;
  Result<> Pause() override;
  Result<> Resume() override;
  std::vector<pid_t> Pids() const override { return {}; }
  std::string Accelerator() const override { return "none"; }

  enum class State { kOff, kRunning, kPaused };
  State state() const { return state_; }

 protected:
  bool Running() const override { return state_ != State::kOff; }

 private:
  State state_ = State::kOff;
  std::string sandbox_id_;
};

}  // namespace vc::hypervisor::mock

// The QEMU backend: launches qemu-system-x86_64 as a child process and
// controls it over QMP.
#pragma once

#include <map>

#include "hypervisor/hypervisor.h"

namespace vc::hypervisor::qemu {

class QemuHypervisor : public Hypervisor {
 public:
  std::string Name() const override { return "qemu"; }
  Capabilities GetCapabilities() const override;
  Result<> Start(const VmSpec& spec) override;
  Result<> Attach(const nlohmann::json& state) override;
  nlohmann::json Save() const override;
  Result<> Stop(std::chrono::milliseconds grace) override;
  Result<> Pause() override;
  Result<> Resume() override;
  std::vector<pid_t> Pids() const override;
  std::string Accelerator() const override { return accel_; }

 protected:
  bool Running() const override { return pid_ > 0; }
  // NICs go into the empty PCIe root ports the command line made.
  Result<> HotPlug(const Device& device) override;
  Result<> HotUnplug(const Device& device) override;

 private:
  Result<> SetRunning(bool running);
  Result<> CheckAlive() const;

  pid_t pid_ = 0;
  std::string qmp_socket_;
  std::string accel_;
  std::string binary_;
  uint32_t root_ports_ = 0;
  std::map<std::string, std::string> port_of_;  // hot-plugged device id -> root port
};

}  // namespace vc::hypervisor::qemu

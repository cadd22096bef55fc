// The logic behind vc::Runtime: sandboxes and containers as persisted
// records, changed under the sandbox's lock, driven through the supervisor,
// the hypervisor backend (pause/resume) and the agent.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "persist/store.h"
#include "sandbox/backend.h"
#include "sandbox/record.h"
#include "vc/vc.h"

namespace vc {

class Manager {
 public:
  Manager(RuntimeOptions options, std::unique_ptr<SandboxBackend> backend);

  Result<SandboxStatus> CreateSandbox(const SandboxConfig& config);
  Result<SandboxStatus> StartSandbox(const std::string& id);
  Result<> StopSandbox(const std::string& id);
  Result<> PauseSandbox(const std::string& id);
  Result<> ResumeSandbox(const std::string& id);
  Result<> DeleteSandbox(const std::string& id);
  Result<SandboxStatus> StatusSandbox(const std::string& id);
  Result<std::vector<SandboxStatus>> ListSandbox();

  Result<ContainerStatus> CreateContainer(const std::string& sid, const ContainerConfig& config);
  Result<ContainerStatus> StartContainer(const std::string& sid, const std::string& cid);
  Result<ContainerStatus> StopContainer(const std::string& sid, const std::string& cid);
  Result<> PauseContainer(const std::string& sid, const std::string& cid, bool pause);
  Result<> DeleteContainer(const std::string& sid, const std::string& cid);
  Result<std::unique_ptr<Process>> EnterContainer(const std::string& sid, const std::string& cid,
                                                  const Cmd& cmd);
  Result<ContainerStatus> StatusContainer(const std::string& sid, const std::string& cid);
  Result<> KillContainer(const std::string& sid, const std::string& cid, int signal, bool all);
  Result<ContainerStats> StatsContainer(const std::string& sid, const std::string& cid);
  Result<std::unique_ptr<Process>> AttachProcess(const std::string& sid, const std::string& cid,
                                                 const std::string& exec_id);

 private:
  // Loads the record under the sandbox lock, runs `fn` on it, saves it if
  // `fn` succeeded or asked to (changes that happened before a failure).
  template <typename T>
  Result<T> WithSandbox(const std::string& id, const std::function<Result<T>(SandboxRecord&)>& fn);

  Result<> ValidateContainer(const ContainerConfig& config);
  // Binds the rootfs and creates the container in the guest.
  Result<> CreateInGuest(const std::string& sid, SandboxRecord& record, ContainerRecord& c,
                         agent::Agent& agent);
  Result<> StartInGuest(ContainerRecord& c, agent::Agent& agent);
  // Updates container states from the guest (exited processes) or from a dead VM.
  void Refresh(const std::string& sid, SandboxRecord& record);
  // Kills the supervisor if alive and releases every host mount of the sandbox.
  void ReleaseHost(const std::string& sid, SandboxRecord& record);
  SandboxStatus StatusOf(const SandboxRecord& record) const;

  RuntimeOptions options_;
  std::unique_ptr<persist::Store> store_;
  std::unique_ptr<SandboxBackend> backend_;
};

}  // namespace vc

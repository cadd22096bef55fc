// What the sandbox manager needs from the world outside its records: the
// per-sandbox supervisor, the agent behind it, and the host mounts that put
// container roots into the shared directory. The host implementation does it
// for real; unit tests pass a fake so the manager's logic runs unprivileged.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "sandbox/launch.h"
#include "vc/result.h"
#include "vc/vc.h"

namespace vc {

class SandboxBackend {
 public:
  virtual ~SandboxBackend() = default;

  // Starts the sandbox's VM (through its supervisor) and waits until the agent answers.
  virtual Result<LaunchReport> Launch(const std::string& sandbox_id,
                                      std::chrono::milliseconds timeout) = 0;
  // True if the recorded supervisor still runs.
  virtual bool SupervisorAlive(const std::string& sandbox_id, int32_t pid) = 0;
  // Waits up to `grace` for the supervisor to end by itself, then terminates it.
  virtual void StopSupervisor(const std::string& sandbox_id, int32_t pid,
                              std::chrono::milliseconds grace) = 0;
  virtual Result<std::unique_ptr<agent::Agent>> Connect(const std::string& sandbox_id) = 0;

  virtual Result<> BindRootfs(const std::string& sandbox_id, const std::string& container_id,
                              const std::string& source) = 0;
  virtual Result<> UnbindRootfs(const std::string& sandbox_id, const std::string& container_id) = 0;
  virtual void DetachShare(const std::string& sandbox_id) = 0;
};

// The real thing: vc-supervisor processes, ttRPC over <sandbox dir>/vc.sock, bind mounts.
std::unique_ptr<SandboxBackend> NewHostBackend(const RuntimeOptions& options);

}  // namespace vc

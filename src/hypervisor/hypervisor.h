// The hypervisor interface: coarse VM lifecycle, not shaped after any one VMM.
//
// A backend is created empty, then either Start()s a VM or is Attach()ed to one
// started earlier (possibly by another process) from its persisted state.
// Not thread-safe: callers serialize (the sandbox lock does).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vc/result.h"
#include "vc/types.h"

namespace vc::hypervisor {

// Everything a backend needs to build and launch the VM.
struct VmSpec {
  std::string sandbox_id;
  std::string run_dir;           // per-sandbox directory for sockets and logs (exists)
  HypervisorConfig config;
  std::string agent_socket;      // unix socket path: host end of the virtio-serial agent port
  std::string agent_port_name = "agent.0";
  std::optional<uint32_t> vsock_cid;   // add a vhost-vsock device with this guest CID
  std::string virtiofs_socket;   // vhost-user-fs socket of virtiofsd; empty: no share
  std::string virtiofs_tag = "vcshared";
};

struct Capabilities {
  bool pause = true;
  bool shared_fs = true;
  bool vsock = false;  // the host can reach the guest over AF_VSOCK
};

class Hypervisor {
 public:
  virtual ~Hypervisor() = default;

  virtual std::string Name() const = 0;
  virtual Capabilities GetCapabilities() const = 0;

  // Launches the VM and returns once its process runs and the backend can
  // control it (QEMU: QMP answers). The VM process is a child of the caller.
  // The host end of the agent channel may not be ready yet.
  virtual Result<> Start(const VmSpec& spec) = 0;
  // Takes control of a VM started earlier from the state Save() returned.
  virtual Result<> Attach(const nlohmann::json& state) = 0;
  virtual nlohmann::json Save() const = 0;

  // Ends the VM: graceful first, forced after `grace`. Succeeds if the VM is already gone.
  virtual Result<> Stop(std::chrono::milliseconds grace) = 0;
  virtual Result<> Pause() = 0;
  virtual Result<> Resume() = 0;

  // Host processes of the VM (QEMU: its pid), for supervision and accounting.
  virtual std::vector<pid_t> Pids() const = 0;
  // "kvm" or "tcg" once started.
  virtual std::string Accelerator() const = 0;
};

// The backend registered under `type` ("qemu", "mock").
Result<std::unique_ptr<Hypervisor>> New(const std::string& type);

}  // namespace vc::hypervisor

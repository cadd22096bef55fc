// The manager's shared helpers: loading records under the lock, statuses,
// refreshing from the guest, releasing the host side.
#include "sandbox/manager.h"

#include <signal.h>

#include <random>

#include "sandbox/host_check.h"
#include "persist/layout.h"
#include "sandbox/state.h"

namespace vc {

namespace {
using namespace std::chrono_literals;
constexpr auto kLockTimeout = std::chrono::minutes(5);
}  // namespace

std::vector<HostCheck> Manager::CheckHost(const HypervisorConfig& config) const {
  return vc::CheckHost(config, options_.state_root, options_.supervisor_path);
}

std::string RandomHex(size_t chars) {
  std::random_device rd;
  std::string out;
  const char* digits = "0123456789abcdef";
  while (out.size() < chars) out += digits[rd() % 16];
  return out;
}

Result<ContainerRecord*> FindContainer(SandboxRecord& record, const std::string& cid) {
  if (auto r = ValidateId("container", cid); !r) return std::unexpected(r.error());
  auto it = record.containers.find(cid);
  if (it == record.containers.end())
    return Fail(ErrorCode::kNotFound, "container " + cid + " not found in sandbox " + record.config.id);
  return &it->second;
}

ContainerStatus ContainerStatusOf(const ContainerRecord& c) {
  ContainerStatus s;
  s.id = c.config.id;
  s.state = c.state;
  s.rootfs = c.config.rootfs;
  s.cmd = c.config.cmd;
  s.pid = c.pid;
  s.exit_status = c.exit_status;
  return s;
}

void MarkStopped(SandboxRecord& r) {
  r.state = SandboxState::kStopped;
  for (auto& [cid, c] : r.containers)
    if (c.state == ContainerState::kRunning || c.state == ContainerState::kPaused) {
      c.state = ContainerState::kStopped;
      if (!c.exit_status) c.exit_status = 128 + SIGKILL;
    }
}

Manager::Manager(RuntimeOptions options, std::unique_ptr<SandboxBackend> backend)
    : options_(std::move(options)),
      store_(persist::NewFsStore(options_.state_root)),
      backend_(std::move(backend)) {}

Result<SandboxRecord> Manager::Load(const std::string& id, persist::SandboxLock& lock) {
  if (auto r = ValidateId("sandbox", id); !r) return std::unexpected(r.error());
  auto locked = store_->Lock(id, kLockTimeout);
  if (!locked) return std::unexpected(locked.error());
  lock = std::move(*locked);
  auto doc = store_->Load(id);
  if (!doc) return std::unexpected(doc.error());
  auto record = SandboxRecordFromJson(*doc);
  if (!record)
    return Fail(ErrorCode::kDataLoss, "state of sandbox " + id + " is corrupt: " +
                                          SandboxLayout::Of(options_.state_root, id).StateFile() + ": " +
                                          record.error().message);
  return record;
}

SandboxStatus Manager::StatusOf(const SandboxRecord& r) const {
  SandboxStatus s;
  s.id = r.config.id;
  s.state = r.state;
  s.hypervisor = r.config.hypervisor.type;
  s.accel = r.accel;
  if (r.state == SandboxState::kRunning || r.state == SandboxState::kPaused)
    s.hypervisor_pid = r.hypervisor.value("pid", 0);
  for (const auto& [id, c] : r.containers) s.containers.push_back(ContainerStatusOf(c));
  s.timeline = r.timeline.phases;
  return s;
}

void Manager::Refresh(const std::string& sid, SandboxRecord& r) {
  if (r.state != SandboxState::kRunning && r.state != SandboxState::kPaused) return;
  if (!backend_->SupervisorAlive(sid, r.supervisor_pid)) {
    // The VM ended without StopSandbox (crash, kill): record it and release the host side.
    ReleaseHost(sid, r);
    MarkStopped(r);
    return;
  }
  if (r.state == SandboxState::kPaused) return;  // the guest cannot answer
  std::unique_ptr<agent::Agent> agent;
  for (auto& [cid, c] : r.containers) {
    if (c.state == ContainerState::kStopped) continue;
    if (!agent) {
      auto connected = backend_->Connect(sid);
      if (!connected) return;
      agent = std::move(*connected);
    }
    auto st = agent->GetProcessState(cid, "");
    // A created container stops when its init is killed before the start.
    if (st && (c.state == ContainerState::kReady ? st->exited : !st->running)) {
      c.state = ContainerState::kStopped;
      c.exit_status = st->exit_status;
    }
  }
}

void Manager::ReleaseHost(const std::string& sid, SandboxRecord& r) {
  backend_->StopSupervisor(sid, r.supervisor_pid, 0ms);
  for (auto& [cid, c] : r.containers) {
    if (c.rootfs_mounted) (void)backend_->UnshareContainer(sid, cid);
    c.rootfs_mounted = false;
    c.disks.clear();  // they went with the VM
    c.vfio_groups.clear();
  }
  r.boot_disks.clear();
  backend_->ReleaseResources(sid);
  r.supervisor_pid = 0;
}

}  // namespace vc

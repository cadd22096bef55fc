// Sandbox lifecycle: create, start, stop, pause/resume, delete, status, list.
#include <sys/un.h>

#include "factory/template.h"
#include "oci/convert.h"
#include "os/log.h"
#include "persist/counters.h"
#include "resource/cgroups/host_cgroup.h"
#include "persist/layout.h"
#include "sandbox/manager.h"
#include "sandbox/state.h"
#include "supervisor/protocol/spec.h"
#include "sandbox/validate.h"

namespace vc {

using namespace std::chrono_literals;

Result<SandboxStatus> Manager::CreateSandbox(const SandboxConfig& input) {
  SandboxRecord record;
  record.config = input;
  if (auto r = ValidateSandboxConfig(record.config); !r) return std::unexpected(r.error());
  // The sandbox's sockets live in its directory; the longest must fit a
  // socket address.
  const std::string socket = SandboxLayout::Of(options_.state_root, record.config.id).VirtiofsdSocket();
  if (socket.size() >= sizeof(sockaddr_un{}.sun_path))
    return Fail(ErrorCode::kInvalidArgument,
                "sandbox " + record.config.id + ": its socket path " + socket + " is " +
                    std::to_string(socket.size()) + " bytes, more than a socket address holds (" +
                    std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                    "): use a shorter state root (runtime.state_root)");
  for (const auto& c : record.config.containers) record.containers[c.id].config = c;
  if (auto r = store_->Create(record.config.id, ToJson(record)); !r) return std::unexpected(r.error());
  NetworkConfig& net = record.config.network;
  if (net.cni) {
    auto netns = backend_->CreatePodNetwork(record.config.id, net);
    if (!netns) {
      (void)store_->Remove(record.config.id);
      return std::unexpected(netns.error());
    }
    net.netns_path = *netns;
    if (auto r = store_->Save(record.config.id, ToJson(record)); !r) {
      (void)backend_->DeletePodNetwork(record.config.id);
      (void)store_->Remove(record.config.id);
      return std::unexpected(r.error());
    }
  }
  return StatusOf(record);
}

Result<SandboxStatus> Manager::StartSandbox(const std::string& id) {
  return WithSandbox<SandboxStatus>(id, [&](SandboxRecord& r) -> Result<SandboxStatus> {
    if (auto ok = CheckSandboxOp(id, r.state, SandboxOp::kStart); !ok) return std::unexpected(ok.error());
    r.timeline.Begin(MonotonicNs());
    ReleaseHost(id, r);  // leftovers of an earlier run that ended abruptly
    SupervisorSpec spec = SupervisorSpecOf(r.config);
    if (r.config.enable_template && r.config.agent.debug_console) {
      log::Warn("sandbox " + id + " boots instead of starting from the VM template: a template has no debug console");
    } else if (r.config.enable_template) {
      if (auto found = factory::Find(options_.state_root, r.config.hypervisor)) {
        spec.template_dir = *found;
        spec.agent.transport = "serial";  // the template's channel
      } else {
        log::Warn("sandbox " + id + " boots instead of starting from the VM template: " + found.error().message);
      }
    }
    // The first containers' root disks go in from boot, where the guest can
    // find a cold-plugged disk (not virtio-blk on microvm: no PCI address).
    const HypervisorConfig& hv = r.config.hypervisor;
    if (spec.template_dir.empty() && !(hv.machine_type == "microvm" && hv.block_device_driver == hypervisor::kVirtioBlk))
      for (const auto& [cid, c] : r.containers) {
        if (c.state != ContainerState::kReady || c.config.rootfs_disk.empty()) continue;
        auto cspec = oci::SpecOf(c.config);
        if (!cspec) return std::unexpected(cspec.error());
        spec.disks.push_back({c.config.rootfs_disk, cspec->root.readonly, {}, ""});
      }
    r.timeline.AddNow("config");
    auto report = backend_->Launch(spec, std::chrono::milliseconds(r.config.agent.start_timeout_ms) + 30s);
    if (!report) return std::unexpected(report.error());
    for (const auto& m : report->moments) r.timeline.Add(m.phase, m.mono_ns);
    persist::AddCount(options_.state_root,
                      r.timeline.Has("restore") ? persist::kVmStartsTemplate : persist::kVmStartsBoot);
    r.state = SandboxState::kRunning;
    r.supervisor_pid = report->supervisor_pid;
    r.hypervisor = report->hypervisor;
    r.accel = report->accel;
    r.boot_disks = report->disks;

    auto fail = [&](const Error& e) -> Result<SandboxStatus> {
      ReleaseHost(id, r);
      r.state = SandboxState::kStopped;
      return std::unexpected(e);
    };
    auto agent = backend_->Connect(id);
    if (!agent) return fail(agent.error());
    if (auto ok = (*agent)->CreateSandbox(id, r.config.hostname, report->guest_mounts); !ok)
      return fail(ok.error());
    if (auto ok = ConfigureGuestNetwork(**agent, report->guest_network); !ok) return fail(ok.error());
    r.timeline.AddNow("sandbox");
    for (auto& [cid, c] : r.containers) {
      if (c.state != ContainerState::kReady) continue;
      if (auto ok = CreateInGuest(id, r, c, **agent); !ok) return fail(ok.error());
      if (auto ok = StartInGuest(r, c, **agent); !ok) return fail(ok.error());
    }
    return StatusOf(r);
  });
}

Result<> Manager::StopSandbox(const std::string& id) {
  return WithSandbox<void>(id, [&](SandboxRecord& r) -> Result<> {
    if (auto ok = CheckSandboxOp(id, r.state, SandboxOp::kStop); !ok) return ok;
    if (r.state == SandboxState::kPaused)
      if (auto vm = backend_->AttachVm(r.config.hypervisor.type, r.hypervisor)) (void)(*vm)->Resume();
    // The agent kills the containers, lets go of its mounts and syncs; then
    // the supervisor ends the VM and cleans up after it, without waiting for
    // the guest's own power-off. An agent that did not answer powers off
    // by itself, or the supervisor is stopped after a grace time.
    bool destroyed = false;
    if (auto agent = backend_->Connect(id)) destroyed = (*agent)->DestroySandbox().has_value();
    backend_->StopSupervisor(id, r.supervisor_pid, destroyed ? 0s : 20s);
    ReleaseHost(id, r);
    MarkStopped(r);
    return {};
  });
}

Result<> Manager::PauseSandbox(const std::string& id, bool pause) {
  return WithSandbox<void>(id, [&](SandboxRecord& r) -> Result<> {
    if (auto ok = CheckSandboxOp(id, r.state, pause ? SandboxOp::kPause : SandboxOp::kResume); !ok) return ok;
    auto vm = backend_->AttachVm(r.config.hypervisor.type, r.hypervisor);
    if (!vm) return std::unexpected(vm.error());
    if (auto ok = pause ? (*vm)->Pause() : (*vm)->Resume(); !ok) return ok;
    r.hypervisor = (*vm)->Save();
    r.state = pause ? SandboxState::kPaused : SandboxState::kRunning;
    const ContainerState from = pause ? ContainerState::kRunning : ContainerState::kPaused;
    for (auto& [cid, c] : r.containers)
      if (c.state == from) c.state = pause ? ContainerState::kPaused : ContainerState::kRunning;
    return {};
  });
}

Result<> Manager::DeleteSandbox(const std::string& id, bool force) {
  if (force) {
    auto status = StatusSandbox(id);
    if (status && (status->state == SandboxState::kRunning || status->state == SandboxState::kPaused))
      if (auto stopped = StopSandbox(id); !stopped) return stopped;
  }
  persist::SandboxLock lock;
  auto record = Load(id, lock);
  if (!record && force && record.error().code == ErrorCode::kDataLoss) return RemoveUnreadable(id);
  if (!record) return std::unexpected(record.error());
  Refresh(id, *record);
  if (auto ok = CheckSandboxOp(id, record->state, SandboxOp::kDelete); !ok) return ok;
  ReleaseHost(id, *record);
  if (auto r = backend_->DeletePodNetwork(id); !r) return r;
  for (const auto& [cid, c] : record->containers) RunPoststop(*record, c);
  return store_->Remove(id);
}

// Without its record: the supervisor found by its command line (it takes
// QEMU and virtiofsd down with it), then what the resource layer and the pod
// network recorded under the sandbox's id, then the directory.
Result<> Manager::RemoveUnreadable(const std::string& id) {
  backend_->StopSupervisor(id, backend_->RunningSupervisor(id), 0ms);
  backend_->ReleaseResources(id);
  if (auto r = backend_->DeletePodNetwork(id); !r) return r;
  return store_->Remove(id);
}

Result<SandboxStatus> Manager::StatusSandbox(const std::string& id) {
  return WithSandbox<SandboxStatus>(id, [&](SandboxRecord& r) -> Result<SandboxStatus> {
    Refresh(id, r);
    SandboxStatus status = StatusOf(r);
    if (r.state == SandboxState::kRunning) {
      if (auto agent = backend_->Connect(id)) {
        if (auto guest = (*agent)->Check(2s)) {
          status.guest_kernel = guest->kernel_release;
          status.agent_version = guest->agent_version;
          status.agent_commit = guest->agent_commit;
          status.agent_rss_bytes = guest->agent_rss_bytes;
        }
      }
    }
    return status;
  });
}

Result<std::vector<SandboxStatus>> Manager::ListSandbox() {
  auto ids = store_->List();
  if (!ids) return std::unexpected(ids.error());
  std::vector<SandboxStatus> out;
  for (const auto& id : *ids) {
    auto status = StatusSandbox(id);
    if (status) out.push_back(std::move(*status));
    else if (status.error().code == ErrorCode::kDataLoss) {
      SandboxStatus unreadable;
      unreadable.id = id;
      unreadable.problem = status.error().message;
      out.push_back(std::move(unreadable));
    }
    else if (status.error().code != ErrorCode::kNotFound) return std::unexpected(status.error());
  }
  return out;
}

Result<std::vector<std::string>> Manager::JoinSandboxCgroup(const std::string& id, int32_t pid) {
  auto status = WithSandbox<SandboxStatus>(id, [&](SandboxRecord& r) -> Result<SandboxStatus> {
    Refresh(id, r);
    return StatusOf(r);
  });
  if (!status) return std::unexpected(status.error());
  if (status->hypervisor_pid <= 0)
    return Fail(ErrorCode::kFailedPrecondition, "sandbox " + id + " has no running VM");
  auto own = resource::CgroupDirsOfProcess(pid);
  if (!own) return std::unexpected(own.error());
  auto vm = resource::CgroupDirsOfProcess(status->hypervisor_pid);
  if (!vm) return std::unexpected(vm.error());
  if (*own == *vm) return std::vector<std::string>{};
  if (auto moved = resource::MoveToCgroups(*vm, pid); !moved) {
    (void)resource::MoveToCgroups(*own, pid);  // undo a partial move
    return std::unexpected(moved.error());
  }
  return *own;
}

}  // namespace vc

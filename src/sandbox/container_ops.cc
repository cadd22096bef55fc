// Container lifecycle and processes: create, start, stop, pause/resume,
// delete, enter (exec), kill, status, stats, attach.
#include <signal.h>
#include <sys/mount.h>

#include <thread>

#include "protocol/agent.h"
#include "oci/annotations.h"
#include "oci/convert.h"
#include "oci/validate.h"
#include "os/file.h"
#include "os/log.h"
#include "os/mount.h"
#include "sandbox/hooks.h"
#include "sandbox/manager.h"
#include "sandbox/process.h"
#include "sandbox/state.h"
#include "sandbox/validate.h"
#include "sandbox/volumes.h"
#include "resource/disk/disk.h"
#include "resource/kernel_modules/kernel_modules.h"
#include "resource/vfio/vfio.h"
#include "sandbox/vm_size.h"

namespace vc {

using namespace std::chrono_literals;

template <typename T>
Result<T> Manager::WithGuestContainer(const std::string& sid, const std::string& cid,
                                      const std::function<Result<T>(agent::Agent&)>& fn) {
  return WithSandbox<T>(sid, [&](SandboxRecord& r) -> Result<T> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (r.state != SandboxState::kRunning || !(*c)->rootfs_mounted)
      return Fail(ErrorCode::kFailedPrecondition, "container " + cid + " is not in a running sandbox");
    auto agent = backend_->Connect(sid);
    if (!agent) return std::unexpected(agent.error());
    return fn(**agent);
  });
}

namespace {

// The state OCI hooks get on stdin.
HookState StateOf(const SandboxRecord& r, const ContainerRecord& c, const std::string& status) {
  int pid = c.config.host_pid;
  if (pid <= 0) pid = r.hypervisor.is_object() ? r.hypervisor.value("pid", 0) : 0;  // none before a VM ran
  return {c.config.id, status, pid, c.config.bundle, c.config.annotations};
}

oci::Hooks HooksOf(const ContainerConfig& config) {
  auto spec = oci::SpecOf(config);
  return spec ? spec->hooks : oci::Hooks{};
}

}  // namespace

void Manager::RunPoststop(const SandboxRecord& r, const ContainerRecord& c) {
  RunHooksWarnOnly("poststop", HooksOf(c.config).poststop, StateOf(r, c, "stopped"));
}

Result<> Manager::CreateInGuest(const std::string& sid, SandboxRecord& r, ContainerRecord& c,
                                      agent::Agent& agent) {
  std::vector<agent::GuestDisk> disks;
  std::vector<agent::GuestPciDevice> devices;
  Result<std::string> guest_root;
  if (c.config.rootfs_disk.empty()) {
    guest_root = backend_->ShareRootfs(sid, c.config.id, c.config.rootfs);
  } else if (auto root = AttachRootDisk(sid, r, c)) {
    guest_root = root->mount_point;
    disks.push_back(std::move(*root));
  } else {
    guest_root = std::unexpected(root.error());
  }
  if (!guest_root) return std::unexpected(guest_root.error());
  c.rootfs_mounted = true;
  auto spec = oci::GuestSpec(c.config, *guest_root, r.config.hostname);
  Result<> ok = spec ? ShareMounts(sid, c, *spec, disks) : Result<>(std::unexpected(spec.error()));
  if (ok) ok = AttachDevices(sid, c, *spec, disks, devices);
  if (ok) ok = LoadModules(r, *spec, agent);
  if (ok) ok = FitVm(sid, r, c.config.id, spec->linux.resources.value_or(oci::Resources{}), agent);
  if (ok) ok = agent.CreateContainer(c.config.id, oci::ToJson(*spec).dump(), disks, devices);
  if (ok) {
    // The container exists in the guest and waits for its start.
    const HookState state = StateOf(r, c, "creating");
    const oci::Hooks& h = spec->hooks;
    ok = RunHooks("prestart", h.prestart, state);
    if (ok) ok = RunHooks("createRuntime", h.create_runtime, state);
    if (ok) ok = RunHooks("createContainer", h.create_container, state);
    if (!ok) (void)agent.RemoveContainer(c.config.id);
  }
  if (!ok) {
    (void)backend_->UnshareContainer(sid, c.config.id);
    if (auto detached = DetachDevices(sid, r, c); !detached) log::Warn("container " + c.config.id + ": " + detached.error().message);
    c.rootfs_mounted = false;
    return ok;
  }
  MarkFirstContainer(r, "created:" + c.config.id);
  return {};
}

Result<> Manager::FitVm(const std::string& sid, const SandboxRecord& r, const std::string& cid,
                        const oci::Resources& resources, agent::Agent& agent) {
  const HypervisorConfig& boot = r.config.hypervisor;
  auto need = NeededVmSize(r, cid, resources);
  // Without memory slots the VM keeps its boot memory; limits apply inside it.
  if (boot.memory_slots == 0) need.memory_mib = boot.memory_mib;
  if (need.vcpus <= boot.vcpus && need.memory_mib <= boot.memory_mib) return {};
  auto size = backend_->GrowVm(sid, need);
  if (!size)
    return std::unexpected(size.error().Wrap("grow the VM to " + std::to_string(need.vcpus) + " vCPUs and " +
                                             std::to_string(need.memory_mib) + " MiB"));
  if (size->vcpus > boot.vcpus)
    if (auto online = agent.OnlineCpus(size->vcpus); !online)
      return std::unexpected(online.error().Wrap("bring the hot-plugged vCPUs online"));
  // As runc takes limits beyond the host: accepted; the VM stops at its maximum.
  if (size->vcpus < need.vcpus || size->memory_mib < need.memory_mib)
    log::Warn("sandbox " + sid + ": its containers' limits ask " + std::to_string(need.vcpus) + " vCPUs and " +
              std::to_string(need.memory_mib) + " MiB; the VM grew to " + std::to_string(size->vcpus) +
              " and " + std::to_string(size->memory_mib) + " MiB (" +
              (boot.machine_type == "microvm" ? "machine_type microvm: nothing is hot-plugged"
                                              : "hypervisor.max_vcpus, max_memory_mib, memory_slots") + ")");
  return {};
}

// The start timeline runs until the sandbox's first container has started.
void Manager::MarkFirstContainer(SandboxRecord& r, const std::string& phase) {
  if (!r.timeline.Has("started:")) r.timeline.AddNow(phase);
}

Result<> Manager::StartInGuest(SandboxRecord& r, ContainerRecord& c, agent::Agent& agent) {
  const oci::Hooks hooks = HooksOf(c.config);
  if (auto ok = RunHooks("startContainer", hooks.start_container, StateOf(r, c, "created")); !ok) {
    // The spec: a failed startContainer hook stops the container.
    (void)agent.SignalProcess(c.config.id, "", SIGKILL, true);
    return ok;
  }
  if (auto ok = agent.StartContainer(c.config.id); !ok) return ok;
  c.state = ContainerState::kRunning;
  if (auto st = agent.GetProcessState(c.config.id, "")) c.pid = st->pid;
  MarkFirstContainer(r, "started:" + c.config.id);
  // runc's poststart state still says "created"; hooks written for it expect that.
  RunHooksWarnOnly("poststart", hooks.poststart, StateOf(r, c, "created"));
  return {};
}

Result<ContainerStatus> Manager::CreateContainer(const std::string& sid,
                                                       const ContainerConfig& config) {
  if (auto ok = ValidateContainerConfig(config); !ok) return std::unexpected(ok.error());
  return WithSandbox<ContainerStatus>(sid, [&](SandboxRecord& r) -> Result<ContainerStatus> {
    if (auto ok = CheckSandboxOp(sid, r.state, SandboxOp::kAddContainer); !ok)
      return std::unexpected(ok.error());
    if (r.containers.contains(config.id))
      return Fail(ErrorCode::kAlreadyExists,
                  "container " + config.id + " already exists in sandbox " + sid);
    ContainerRecord c;
    c.config = config;
    if (r.state == SandboxState::kRunning) {
      auto agent = backend_->Connect(sid);
      if (!agent) return std::unexpected(agent.error());
      if (auto ok = CreateInGuest(sid, r, c, **agent); !ok) return std::unexpected(ok.error());
    }
    auto& stored = r.containers[config.id] = std::move(c);
    return ContainerStatusOf(stored);
  });
}

Result<ContainerStatus> Manager::StartContainer(const std::string& sid, const std::string& cid) {
  return WithSandbox<ContainerStatus>(sid, [&](SandboxRecord& r) -> Result<ContainerStatus> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (auto ok = CheckContainerOp(cid, (*c)->state, ContainerOp::kStart); !ok)
      return std::unexpected(ok.error());
    if (r.state != SandboxState::kRunning)
      return Fail(ErrorCode::kFailedPrecondition,
                  "sandbox " + sid + " is " + ToString(r.state) + ": start it first");
    auto agent = backend_->Connect(sid);
    if (!agent) return std::unexpected(agent.error());
    if (!(*c)->rootfs_mounted)
      if (auto ok = CreateInGuest(sid, r, **c, **agent); !ok) return std::unexpected(ok.error());
    if (auto ok = StartInGuest(r, **c, **agent); !ok) return std::unexpected(ok.error());
    return ContainerStatusOf(**c);
  });
}

Result<ContainerStatus> Manager::StopContainer(const std::string& sid, const std::string& cid) {
  return WithSandbox<ContainerStatus>(sid, [&](SandboxRecord& r) -> Result<ContainerStatus> {
    Refresh(sid, r);
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (auto ok = CheckContainerOp(cid, (*c)->state, ContainerOp::kStop); !ok)
      return std::unexpected(ok.error());
    if (r.state != SandboxState::kRunning)
      return Fail(ErrorCode::kFailedPrecondition,
                  "sandbox " + sid + " is " + ToString(r.state) + ": resume it first");
    auto agent = backend_->Connect(sid);
    if (!agent) return std::unexpected(agent.error());
    if ((*c)->state == ContainerState::kPaused) (void)(*agent)->ResumeContainer(cid);
    if (auto ok = (*agent)->SignalProcess(cid, "", SIGKILL, true); !ok) return std::unexpected(ok.error());
    for (int i = 0; i < 1000; ++i) {
      auto st = (*agent)->GetProcessState(cid, "");
      if (!st) return std::unexpected(st.error());
      if (!st->running) {
        (*c)->exit_status = st->exit_status;
        (*c)->state = ContainerState::kStopped;
        return ContainerStatusOf(**c);
      }
      std::this_thread::sleep_for(10ms);
    }
    return Fail(ErrorCode::kDeadlineExceeded, "container " + cid + " did not stop after SIGKILL");
  });
}

Result<> Manager::PauseContainer(const std::string& sid, const std::string& cid, bool pause) {
  return WithSandbox<void>(sid, [&](SandboxRecord& r) -> Result<> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (auto ok = CheckContainerOp(cid, (*c)->state, pause ? ContainerOp::kPause : ContainerOp::kResume); !ok)
      return ok;
    if (r.state != SandboxState::kRunning)
      return Fail(ErrorCode::kFailedPrecondition,
                  "sandbox " + sid + " is " + ToString(r.state) + ": it must be running");
    auto agent = backend_->Connect(sid);
    if (!agent) return std::unexpected(agent.error());
    auto ok = pause ? (*agent)->PauseContainer(cid) : (*agent)->ResumeContainer(cid);
    if (!ok) return ok;
    (*c)->state = pause ? ContainerState::kPaused : ContainerState::kRunning;
    return {};
  });
}

Result<> Manager::DeleteContainer(const std::string& sid, const std::string& cid) {
  return WithSandbox<void>(sid, [&](SandboxRecord& r) -> Result<> {
    Refresh(sid, r);
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (auto ok = CheckContainerOp(cid, (*c)->state, ContainerOp::kDelete); !ok) return ok;
    if (r.state == SandboxState::kRunning && (*c)->rootfs_mounted) {
      auto agent = backend_->Connect(sid);
      if (!agent) return std::unexpected(agent.error());
      if (auto ok = (*agent)->RemoveContainer(cid); !ok && ok.error().code != ErrorCode::kNotFound)
        return ok;
      if (auto ok = DetachDevices(sid, r, **c); !ok) return ok;
    }
    if (auto ok = backend_->UnshareContainer(sid, cid); !ok) return ok;
    RunPoststop(r, **c);
    r.containers.erase(cid);
    return {};
  });
}

Result<std::unique_ptr<Process>> Manager::EnterContainer(const std::string& sid, const std::string& cid,
                                                         const Cmd& cmd, const std::string& wanted_id) {
  if (cmd.args.empty()) return Fail(ErrorCode::kInvalidArgument, "no command to run");
  if (!wanted_id.empty())
    if (auto ok = ValidateId("exec", wanted_id); !ok) return std::unexpected(ok.error());
  auto exec_id = WithSandbox<std::string>(sid, [&](SandboxRecord& r) -> Result<std::string> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (auto ok = CheckContainerOp(cid, (*c)->state, ContainerOp::kEnter); !ok)
      return std::unexpected(ok.error());
    return wanted_id.empty() ? "exec-" + RandomHex(12) : wanted_id;
  });
  if (!exec_id) return std::unexpected(exec_id.error());
  // No lock from here: an interactive process must not block other calls.
  auto agent = backend_->Connect(sid);
  if (!agent) return std::unexpected(agent.error());
  if (auto ok = (*agent)->ExecProcess(cid, *exec_id, cmd); !ok) return std::unexpected(ok.error());
  return NewAgentProcess(std::move(*agent), cid, *exec_id);
}

Result<ContainerStatus> Manager::StatusContainer(const std::string& sid, const std::string& cid) {
  return WithSandbox<ContainerStatus>(sid, [&](SandboxRecord& r) -> Result<ContainerStatus> {
    Refresh(sid, r);
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    return ContainerStatusOf(**c);
  });
}

Result<> Manager::KillContainer(const std::string& sid, const std::string& cid, int signal,
                                      bool all) {
  if (signal <= 0 || signal >= 65)
    return Fail(ErrorCode::kInvalidArgument, "invalid signal " + std::to_string(signal));
  return WithSandbox<void>(sid, [&](SandboxRecord& r) -> Result<> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (auto ok = CheckContainerOp(cid, (*c)->state, ContainerOp::kKill); !ok) return ok;
    auto agent = backend_->Connect(sid);
    if (!agent) return std::unexpected(agent.error());
    return (*agent)->SignalProcess(cid, "", signal, all);
  });
}

Result<ContainerStats> Manager::StatsContainer(const std::string& sid, const std::string& cid) {
  return WithGuestContainer<ContainerStats>(sid, cid,
                                            [&](agent::Agent& agent) { return agent.StatsContainer(cid); });
}

Result<std::vector<int32_t>> Manager::PidsContainer(const std::string& sid, const std::string& cid) {
  return WithGuestContainer<std::vector<int32_t>>(sid, cid,
                                                  [&](agent::Agent& agent) { return agent.ListPids(cid); });
}

Result<> Manager::SignalProcess(const std::string& sid, const std::string& cid, const std::string& exec_id,
                                int signal) {
  if (signal <= 0 || signal >= 65)
    return Fail(ErrorCode::kInvalidArgument, "invalid signal " + std::to_string(signal));
  return WithGuestContainer<void>(
      sid, cid, [&](agent::Agent& agent) { return agent.SignalProcess(cid, exec_id, signal, false); });
}

Result<> Manager::ResizeTerminal(const std::string& sid, const std::string& cid, const std::string& exec_id,
                                 uint32_t rows, uint32_t columns) {
  return WithGuestContainer<void>(
      sid, cid, [&](agent::Agent& agent) { return agent.ResizeTty(cid, exec_id, rows, columns); });
}

// The new limits go into the container's spec, so a later start of the
// sandbox applies them too, and to the guest if the container is there.
Result<> Manager::UpdateContainer(const std::string& sid, const std::string& cid,
                                  const ContainerResources& update) {
  return WithSandbox<void>(sid, [&](SandboxRecord& r) -> Result<> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    auto spec = oci::SpecOf((*c)->config);
    if (!spec) return std::unexpected(spec.error());
    oci::Resources resources = spec->linux.resources.value_or(oci::Resources{});
    oci::Apply(resources, update);
    if (r.state == SandboxState::kRunning && (*c)->rootfs_mounted) {
      auto agent = backend_->Connect(sid);
      if (!agent) return std::unexpected(agent.error());
      if (auto ok = FitVm(sid, r, cid, resources, **agent); !ok) return ok;
      if (auto ok = (*agent)->UpdateContainer(cid, oci::ToJson(resources).dump()); !ok) return ok;
    }
    spec->linux.resources = resources;
    (*c)->config.oci_spec = oci::ToJson(*spec).dump();
    return {};
  });
}

Result<std::unique_ptr<Process>> Manager::AttachProcess(const std::string& sid,
                                                              const std::string& cid,
                                                              const std::string& exec_id) {
  auto checked = WithSandbox<void>(sid, [&](SandboxRecord& r) -> Result<> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (r.state != SandboxState::kRunning || !(*c)->rootfs_mounted)
      return Fail(ErrorCode::kFailedPrecondition,
                  "container " + cid + " has no process in a running sandbox");
    return {};
  });
  if (!checked) return std::unexpected(checked.error());
  auto agent = backend_->Connect(sid);
  if (!agent) return std::unexpected(agent.error());
  if (auto st = (*agent)->GetProcessState(cid, exec_id); !st) return std::unexpected(st.error());
  return NewAgentProcess(std::move(*agent), cid, exec_id);
}

}  // namespace vc

#include "sandbox/manager.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <random>
#include <thread>

#include "agent/transport.h"
#include "hypervisor/hypervisor.h"
#include "os/file.h"
#include "sandbox/host_mounts.h"
#include "sandbox/state.h"
#include "supervisor/supervisor.h"

namespace vc {

namespace {

using namespace std::chrono_literals;
constexpr auto kLockTimeout = std::chrono::minutes(5);

std::string RandomHex(size_t chars) {
  std::random_device rd;
  std::string out;
  const char* digits = "0123456789abcdef";
  while (out.size() < chars) out += digits[rd() % 16];
  return out;
}

class AgentProcess : public Process {
 public:
  AgentProcess(std::unique_ptr<agent::Agent> agent, std::string cid, std::string exec_id)
      : agent_(std::move(agent)), cid_(std::move(cid)), exec_id_(std::move(exec_id)) {}

  const std::string& exec_id() const override { return exec_id_; }
  Result<size_t> WriteStdin(std::string_view data) override {
    return agent_->WriteStdin(cid_, exec_id_, std::string(data));
  }
  Result<> CloseStdin() override { return agent_->CloseStdin(cid_, exec_id_); }
  Result<OutputChunk> ReadStdout() override { return Read(false); }
  Result<OutputChunk> ReadStderr() override { return Read(true); }
  Result<int> Wait() override { return agent_->WaitProcess(cid_, exec_id_); }
  Result<> Signal(int signal) override { return agent_->SignalProcess(cid_, exec_id_, signal, false); }

 private:
  Result<OutputChunk> Read(bool stderr_stream) {
    auto chunk = agent_->ReadOutput(cid_, exec_id_, stderr_stream);
    if (!chunk) return std::unexpected(chunk.error());
    return OutputChunk{std::move(chunk->data), chunk->eof};
  }

  std::unique_ptr<agent::Agent> agent_;
  std::string cid_;
  std::string exec_id_;
};

Result<ContainerRecord*> FindContainer(SandboxRecord& record, const std::string& cid) {
  if (auto r = ValidateId("container", cid); !r) return std::unexpected(r.error());
  auto it = record.containers.find(cid);
  if (it == record.containers.end())
    return Fail(ErrorCode::kNotFound,
                "container " + cid + " not found in sandbox " + record.config.id);
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

}  // namespace

Manager::Manager(RuntimeOptions options, std::unique_ptr<SandboxBackend> backend)
    : options_(std::move(options)),
      store_(persist::NewFsStore(options_.state_root)),
      backend_(std::move(backend)) {}

template <typename T>
Result<T> Manager::WithSandbox(const std::string& id,
                                     const std::function<Result<T>(SandboxRecord&)>& fn) {
  if (auto r = ValidateId("sandbox", id); !r) return std::unexpected(r.error());
  auto lock = store_->Lock(id, kLockTimeout);
  if (!lock) return std::unexpected(lock.error());
  auto doc = store_->Load(id);
  if (!doc) return std::unexpected(doc.error());
  auto record = SandboxRecordFromJson(*doc);
  if (!record) return std::unexpected(record.error());
  Result<T> result = fn(*record);
  // Saved even when fn failed: it may have changed the guest before failing.
  if (auto saved = store_->Save(id, ToJson(*record)); !saved && result)
    return std::unexpected(saved.error());
  return result;
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
  return s;
}

Result<> Manager::ValidateContainer(const ContainerConfig& c) {
  if (auto r = ValidateId("container", c.id); !r) return r;
  if (c.rootfs.empty() || c.rootfs[0] != '/')
    return Fail(ErrorCode::kInvalidArgument,
                "container " + c.id + ": rootfs must be an absolute path, got '" + c.rootfs + "'");
  struct stat st {};
  if (::stat(c.rootfs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Fail(ErrorCode::kNotFound,
                "container " + c.id + ": rootfs " + c.rootfs + " is not a directory");
  if (c.cmd.args.empty())
    return Fail(ErrorCode::kInvalidArgument, "container " + c.id + ": no command to run");
  if (c.cmd.cwd.empty() || c.cmd.cwd[0] != '/')
    return Fail(ErrorCode::kInvalidArgument, "container " + c.id + ": cwd must be absolute");
  return {};
}

// --- sandboxes ----------------------------------------------------------

Result<SandboxStatus> Manager::CreateSandbox(const SandboxConfig& input) {
  SandboxRecord record;
  record.config = input;
  SandboxConfig& config = record.config;
  if (config.id.empty()) config.id = RandomHex(32);
  if (auto r = ValidateId("sandbox", config.id); !r) return std::unexpected(r.error());
  if (config.hostname.empty()) config.hostname = config.id.substr(0, 63);
  if (auto hv = hypervisor::New(config.hypervisor.type); !hv) return std::unexpected(hv.error());
  if (auto t = agent::ChooseTransport(config.agent.transport, true); !t)
    return std::unexpected(t.error());
  if (config.hypervisor.type == "qemu") {
    const auto& h = config.hypervisor;
    if (!os::Exists(h.kernel_path))
      return Fail(ErrorCode::kNotFound, "guest kernel not found at '" + h.kernel_path +
                                            "': build the guest assets (cmake --build build) or pass --kernel");
    if (!os::Exists(h.initrd_path))
      return Fail(ErrorCode::kNotFound, "guest initramfs not found at '" + h.initrd_path +
                                            "': build the guest assets (cmake --build build) or pass --initrd");
  }
  for (const auto& c : config.containers) {
    if (auto r = ValidateContainer(c); !r) return std::unexpected(r.error());
    if (record.containers.contains(c.id))
      return Fail(ErrorCode::kAlreadyExists, "container id " + c.id + " appears twice");
    record.containers[c.id].config = c;
  }
  if (auto r = store_->Create(config.id, ToJson(record)); !r) return std::unexpected(r.error());
  return StatusOf(record);
}

Result<SandboxStatus> Manager::StartSandbox(const std::string& id) {
  return WithSandbox<SandboxStatus>(id, [&](SandboxRecord& r) -> Result<SandboxStatus> {
    if (auto ok = CheckSandboxOp(id, r.state, SandboxOp::kStart); !ok) return std::unexpected(ok.error());
    ReleaseHost(id, r);  // leftovers of an earlier run that ended abruptly
    auto report = backend_->Launch(id, std::chrono::milliseconds(r.config.agent.start_timeout_ms) + 30s);
    if (!report) return std::unexpected(report.error());
    r.state = SandboxState::kRunning;
    r.supervisor_pid = report->supervisor_pid;
    r.hypervisor = report->hypervisor;
    r.accel = report->accel;

    auto fail = [&](const Error& e) -> Result<SandboxStatus> {
      ReleaseHost(id, r);
      r.state = SandboxState::kStopped;
      return std::unexpected(e);
    };
    auto agent = backend_->Connect(id);
    if (!agent) return fail(agent.error());
    std::vector<agent::SharedMount> mounts = {{supervisor::kVirtiofsTag, supervisor::kGuestSharedDir}};
    if (auto ok = (*agent)->CreateSandbox(id, r.config.hostname, mounts); !ok) return fail(ok.error());
    for (auto& [cid, c] : r.containers) {
      if (c.state != ContainerState::kReady) continue;
      if (auto ok = CreateInGuest(id, r, c, **agent); !ok) return fail(ok.error());
      if (auto ok = StartInGuest(c, **agent); !ok) return fail(ok.error());
    }
    return StatusOf(r);
  });
}

Result<> Manager::StopSandbox(const std::string& id) {
  return WithSandbox<void>(id, [&](SandboxRecord& r) -> Result<> {
    if (auto ok = CheckSandboxOp(id, r.state, SandboxOp::kStop); !ok) return ok;
    if (r.state == SandboxState::kPaused) {
      if (auto hv = hypervisor::New(r.config.hypervisor.type); hv && (*hv)->Attach(r.hypervisor))
        (void)(*hv)->Resume();
    }
    // The agent kills the containers and powers the VM off; the supervisor
    // then sees the VM exit and cleans up after it.
    if (auto agent = backend_->Connect(id)) (void)(*agent)->DestroySandbox();
    backend_->StopSupervisor(id, r.supervisor_pid, 20s);
    ReleaseHost(id, r);
    r.state = SandboxState::kStopped;
    for (auto& [cid, c] : r.containers) {
      if (c.state == ContainerState::kRunning || c.state == ContainerState::kPaused) {
        c.state = ContainerState::kStopped;
        if (!c.exit_status) c.exit_status = 128 + SIGKILL;
      }
    }
    return {};
  });
}

Result<> Manager::PauseSandbox(const std::string& id) {
  return WithSandbox<void>(id, [&](SandboxRecord& r) -> Result<> {
    if (auto ok = CheckSandboxOp(id, r.state, SandboxOp::kPause); !ok) return ok;
    auto hv = hypervisor::New(r.config.hypervisor.type);
    if (!hv) return std::unexpected(hv.error());
    if (auto ok = (*hv)->Attach(r.hypervisor); !ok) return ok;
    if (auto ok = (*hv)->Pause(); !ok) return ok;
    r.hypervisor = (*hv)->Save();
    r.state = SandboxState::kPaused;
    for (auto& [cid, c] : r.containers)
      if (c.state == ContainerState::kRunning) c.state = ContainerState::kPaused;
    return {};
  });
}

Result<> Manager::ResumeSandbox(const std::string& id) {
  return WithSandbox<void>(id, [&](SandboxRecord& r) -> Result<> {
    if (auto ok = CheckSandboxOp(id, r.state, SandboxOp::kResume); !ok) return ok;
    auto hv = hypervisor::New(r.config.hypervisor.type);
    if (!hv) return std::unexpected(hv.error());
    if (auto ok = (*hv)->Attach(r.hypervisor); !ok) return ok;
    if (auto ok = (*hv)->Resume(); !ok) return ok;
    r.hypervisor = (*hv)->Save();
    r.state = SandboxState::kRunning;
    for (auto& [cid, c] : r.containers)
      if (c.state == ContainerState::kPaused) c.state = ContainerState::kRunning;
    return {};
  });
}

Result<> Manager::DeleteSandbox(const std::string& id) {
  if (auto r = ValidateId("sandbox", id); !r) return r;
  auto lock = store_->Lock(id, kLockTimeout);
  if (!lock) return std::unexpected(lock.error());
  auto doc = store_->Load(id);
  if (!doc) return std::unexpected(doc.error());
  auto record = SandboxRecordFromJson(*doc);
  if (!record) return std::unexpected(record.error());
  Refresh(id, *record);
  if (auto ok = CheckSandboxOp(id, record->state, SandboxOp::kDelete); !ok) return ok;
  ReleaseHost(id, *record);
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
    else if (status.error().code != ErrorCode::kNotFound) return std::unexpected(status.error());
  }
  return out;
}

// --- containers ---------------------------------------------------------

Result<> Manager::CreateInGuest(const std::string& sid, SandboxRecord& r, ContainerRecord& c,
                                      agent::Agent& agent) {
  if (!c.rootfs_mounted) {
    if (auto ok = backend_->BindRootfs(sid, c.config.id, c.config.rootfs); !ok) return ok;
    c.rootfs_mounted = true;
  }
  std::string spec = agent::ContainerSpecJson(c.config.cmd, GuestRootfsPath(c.config.id),
                                              r.config.hostname);
  if (auto ok = agent.CreateContainer(c.config.id, spec); !ok) {
    (void)backend_->UnbindRootfs(sid, c.config.id);
    c.rootfs_mounted = false;
    return ok;
  }
  return {};
}

Result<> Manager::StartInGuest(ContainerRecord& c, agent::Agent& agent) {
  if (auto ok = agent.StartContainer(c.config.id); !ok) return ok;
  c.state = ContainerState::kRunning;
  if (auto st = agent.GetProcessState(c.config.id, "")) c.pid = st->pid;
  return {};
}

Result<ContainerStatus> Manager::CreateContainer(const std::string& sid,
                                                       const ContainerConfig& config) {
  if (auto ok = ValidateContainer(config); !ok) return std::unexpected(ok.error());
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
    if (auto ok = StartInGuest(**c, **agent); !ok) return std::unexpected(ok.error());
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
    }
    if (auto ok = backend_->UnbindRootfs(sid, cid); !ok) return ok;
    r.containers.erase(cid);
    return {};
  });
}

Result<std::unique_ptr<Process>> Manager::EnterContainer(const std::string& sid,
                                                               const std::string& cid,
                                                               const Cmd& cmd) {
  if (cmd.args.empty()) return Fail(ErrorCode::kInvalidArgument, "no command to run");
  auto exec_id = WithSandbox<std::string>(sid, [&](SandboxRecord& r) -> Result<std::string> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (auto ok = CheckContainerOp(cid, (*c)->state, ContainerOp::kEnter); !ok)
      return std::unexpected(ok.error());
    return "exec-" + RandomHex(12);
  });
  if (!exec_id) return std::unexpected(exec_id.error());
  // No lock from here: an interactive process must not block other calls.
  auto agent = backend_->Connect(sid);
  if (!agent) return std::unexpected(agent.error());
  if (auto ok = (*agent)->ExecProcess(cid, *exec_id, cmd); !ok) return std::unexpected(ok.error());
  return std::make_unique<AgentProcess>(std::move(*agent), cid, *exec_id);
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
  return WithSandbox<ContainerStats>(sid, [&](SandboxRecord& r) -> Result<ContainerStats> {
    auto c = FindContainer(r, cid);
    if (!c) return std::unexpected(c.error());
    if (r.state != SandboxState::kRunning || !(*c)->rootfs_mounted)
      return Fail(ErrorCode::kFailedPrecondition, "container " + cid + " is not in a running sandbox");
    auto agent = backend_->Connect(sid);
    if (!agent) return std::unexpected(agent.error());
    auto stats = (*agent)->StatsContainer(cid);
    if (!stats) return std::unexpected(stats.error());
    return ContainerStats{stats->cpu_usage_usec, stats->memory_bytes, stats->pids};
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
  return std::make_unique<AgentProcess>(std::move(*agent), cid, exec_id);
}

// --- helpers ------------------------------------------------------------

void Manager::Refresh(const std::string& sid, SandboxRecord& r) {
  if (r.state != SandboxState::kRunning && r.state != SandboxState::kPaused) return;
  if (!backend_->SupervisorAlive(sid, r.supervisor_pid)) {
    // The VM ended without StopSandbox (crash, kill): record it and release the host side.
    ReleaseHost(sid, r);
    r.state = SandboxState::kStopped;
    for (auto& [cid, c] : r.containers)
      if (c.state == ContainerState::kRunning || c.state == ContainerState::kPaused) {
        c.state = ContainerState::kStopped;
        if (!c.exit_status) c.exit_status = 128 + SIGKILL;
      }
    return;
  }
  if (r.state == SandboxState::kPaused) return;  // the guest cannot answer
  std::unique_ptr<agent::Agent> agent;
  for (auto& [cid, c] : r.containers) {
    if (c.state != ContainerState::kRunning && c.state != ContainerState::kPaused) continue;
    if (!agent) {
      auto connected = backend_->Connect(sid);
      if (!connected) return;
      agent = std::move(*connected);
    }
    auto st = agent->GetProcessState(cid, "");
    if (st && !st->running) {
      c.state = ContainerState::kStopped;
      c.exit_status = st->exit_status;
    }
  }
}

void Manager::ReleaseHost(const std::string& sid, SandboxRecord& r) {
  backend_->StopSupervisor(sid, r.supervisor_pid, 0ms);
  for (auto& [cid, c] : r.containers) {
    if (c.rootfs_mounted) (void)backend_->UnbindRootfs(sid, cid);
    c.rootfs_mounted = false;
  }
  backend_->DetachShare(sid);
  r.supervisor_pid = 0;
}

}  // namespace vc

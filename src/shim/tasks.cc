// The shim's tasks: booting the sandbox, creating, starting and deleting
// containers and execs, watching their exits.
#include "shim/tasks.h"

#include <signal.h>
#include <unistd.h>

#include "config/config.h"
#include "oci/annotations.h"
#include "oci/convert.h"
#include "os/log.h"
#include "persist/layout.h"
#include "os/timeline.h"
#include "shim/address.h"
#include "shim/bundle.h"
#include "shim/tasks_internal.h"

namespace vc::shim {

using namespace std::chrono_literals;

// How long an exit waits for the process's output to drain (a background
// child may hold stdout open for ever), and init's exit for its execs' exits.
constexpr auto kDrainLimit = 2s;

Tasks::Tasks(asio::any_io_executor ex, Publisher& events, std::string guest_dir)
    : ex_(std::move(ex)), events_(events), guest_dir_(std::move(guest_dir)) {}

Tasks::~Tasks() {
  worker_.Join();
}

Result<std::shared_ptr<Tasks::Container>> Tasks::Find(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return Fail(ErrorCode::kNotFound, "container " + id + " not found");
  return it->second;
}

Result<std::shared_ptr<Tasks::Process>> Tasks::Find(const std::string& id,
                                                    const std::string& exec_id) {
  auto c = Find(id);
  if (!c) return std::unexpected(c.error());
  if (exec_id.empty()) return (*c)->init;
  auto it = (*c)->execs.find(exec_id);
  if (it == (*c)->execs.end())
    return Fail(ErrorCode::kNotFound, "process " + exec_id + " not found in container " + id);
  return it->second;
}

Async<> Tasks::BootSandbox(const std::string& id, const std::string& config_path, const oci::Spec& spec) {
  auto config = config::Load(config_path, config::Defaults(guest_dir_));
  if (!config) co_return std::unexpected(config.error());
  state_root_ = config->runtime.state_root;
  // Our stderr is containerd's log (ServeShim points it at the bundle's log
  // FIFO): the guest's log lines go there too, from the supervisor.
  RuntimeOptions options = config->runtime;
  options.guest_log_fd = STDERR_FILENO;
  runtime_ = std::make_unique<Runtime>(options);
  SandboxConfig sandbox;
  sandbox.id = id;
  sandbox.hypervisor = config->hypervisor;
  sandbox.agent = config->agent;
  sandbox.network = config->network;
  sandbox.network.netns_path = oci::NetnsPathOf(spec);
  // The pod's hostname (CRI puts it in the sandbox container's spec).
  sandbox.hostname = spec.hostname;
  // The pod's (CRI's sandbox container's) cgroup holds the VM.
  sandbox.cgroup_path = spec.linux.cgroups_path;
  sandbox.sandbox_cgroup_only = config->sandbox_cgroup_only;
  sandbox.enable_template = config->enable_template;
  Job<Result<SandboxStatus>> run{[this, sandbox] { return runtime_->RunSandbox(sandbox); }};
  auto status = co_await OnWorker(&run);
  if (!status) co_return std::unexpected(status.error());
  sandbox_id_ = id;
  vm_pid_ = static_cast<uint32_t>(status->hypervisor_pid);
  if (!sandbox.cgroup_path.empty()) JoinVmCgroup();
  auto agent = agent::ConnectAsyncAgent(ex_, SandboxLayout::Of(state_root_, id).ClientSocket());
  if (!agent) {
    co_await StopSandbox();
    co_return std::unexpected(agent.error().Wrap("connect to the agent"));
  }
  agent_ = std::move(*agent);
  asio::co_spawn(ex_, WatchOom(agent_), asio::detached);
  // Without it the pod runs, and only its port forwarding fails: a warning.
  if (!sandbox.network.netns_path.empty()) {
    if (auto forward = PortForward::Start(ex_, sandbox.network.netns_path, agent_))
      port_forward_ = std::move(*forward);
    else
      log::Warn("sandbox " + id + ": " + forward.error().message);
  }
  log::Info("sandbox " + id + " started: VM pid " + std::to_string(vm_pid_) +
                           ", accel " + status->accel);
  co_return Result<>{};
}

void Tasks::JoinVmCgroup() {
  auto left = runtime_->JoinSandboxCgroup(sandbox_id_, ::getpid());
  if (!left) log::Warn("the shim stays out of its VM's cgroup: " + left.error().message);
  else own_cgroup_ = std::move(*left);
}

void Tasks::LeaveVmCgroup() {
  if (own_cgroup_.empty()) return;
  if (auto moved = runtime_->LeaveSandboxCgroup(own_cgroup_, ::getpid()); !moved)
    log::Warn(moved.error().message);
  own_cgroup_.clear();
}

asio::awaitable<void> Tasks::StopSandbox() {
  port_forward_.reset();
  LeaveVmCgroup();
  if (agent_) agent_->Close();
  agent_.reset();
  const std::string id = sandbox_id_;
  Job<Result<>> stop{[this, id]() -> Result<> {
    auto status = runtime_->StatusSandbox(id);
    if (status && (status->state == SandboxState::kRunning || status->state == SandboxState::kPaused))
      if (auto r = runtime_->StopSandbox(id); !r) return r;
    return runtime_->DeleteSandbox(id);
  }};
  auto stopped = co_await OnWorker(&stop);
  if (!stopped) log::Error("remove sandbox " + id + ": " + stopped.error().message);
  sandbox_id_.clear();
  vm_pid_ = 0;
}

Async<uint32_t> Tasks::Create(CreateRequest r) {
  if (auto ok = ValidateId("container", r.id); !ok) co_return std::unexpected(ok.error());
  if (containers_.contains(r.id))
    co_return Fail(ErrorCode::kAlreadyExists, "container " + r.id + " already exists");
  auto spec = oci::LoadBundle(r.bundle);
  if (!spec) co_return std::unexpected(spec.error());
  if (!spec->process)
    co_return Fail(ErrorCode::kInvalidArgument, r.bundle + "/config.json: process is required");
  auto c = std::make_shared<Container>();
  c->id = r.id;
  c->bundle = r.bundle;
  c->sandbox_id = oci::SandboxOf(r.id, spec->annotations);
  c->owns_vm = c->sandbox_id == r.id;
  if (c->owns_vm && !sandbox_id_.empty())
    co_return Fail(ErrorCode::kFailedPrecondition,
                   "this shim already runs sandbox " + sandbox_id_ + "; container " + r.id +
                       " names no sandbox to join");
  if (!c->owns_vm && c->sandbox_id != sandbox_id_)
    co_return Fail(ErrorCode::kFailedPrecondition,
                   "sandbox " + c->sandbox_id + " does not run in this shim");

  if (auto ok = oci::CheckPodSandbox(*spec); !ok) co_return std::unexpected(ok.error());

  const std::string rootfs = r.bundle + "/rootfs";
  // A devmapper snapshot goes to the VM whole, as a disk.
  const auto block_root = BlockRootOf(r.rootfs, IsBlockDevice);
  if (block_root && block_root->read_only) spec->root.readonly = true;
  if (!r.rootfs.empty() && !block_root) {
    if (auto ok = MountRootfs(r.rootfs, rootfs); !ok) co_return std::unexpected(ok.error());
    c->rootfs_mounted = true;
  }
  // Whatever fails from here undoes what was done.
  bool booted = false;
  auto undo = [&, c]() -> asio::awaitable<void> {
    if (booted) co_await StopSandbox();
    if (c->rootfs_mounted) (void)UnmountRootfs(rootfs);
  };
  auto fail = [&](Error e) -> Async<uint32_t> {
    co_await undo();
    co_return std::unexpected(std::move(e));
  };

  ContainerConfig config = oci::ContainerConfigOf(*spec);
  config.id = r.id;
  config.cmd.terminal = r.stdio.terminal;
  if (block_root) config.rootfs_disk = block_root->device;
  auto io = Stdio::Open(ex_, r.stdio);
  if (!io) co_return co_await fail(io.error());

  if (c->owns_vm) {
    if (auto ok = co_await BootSandbox(r.id, r.config_path, *spec); !ok) co_return co_await fail(ok.error());
    booted = true;
  }
  if (auto ok = WriteBundleRecord(r.bundle, {state_root_, c->sandbox_id}); !ok)
    co_return co_await fail(ok.error());
  const std::string sid = c->sandbox_id;
  // The agent applies the spec's linux.resources as it creates the container.
  Job<Result<ContainerStatus>> create{[this, sid, config] { return runtime_->CreateContainer(sid, config); }};
  auto created = co_await OnWorker(&create);
  if (!created) co_return co_await fail(created.error());

  c->init = std::make_shared<Process>(ex_);
  c->init->stdio = r.stdio;
  c->init->io = *io;
  containers_[r.id] = c;
  (*io)->Start(agent_, r.id, "");
  asio::co_spawn(ex_, WatchExit(c, c->init), asio::detached);
  events_.TaskCreate(r.id, r.bundle, r.stdio, vm_pid_);
  co_return vm_pid_;
}

asio::awaitable<void> Tasks::WatchExit(std::shared_ptr<Container> c, std::shared_ptr<Process> p) {
  auto agent = agent_;
  auto waited = co_await agent->WaitProcess(c->id, p->exec_id);
  Exit exit{waited ? static_cast<uint32_t>(*waited) : 128u + SIGKILL, Clock::now()};
  if (!waited)
    log::Warn("process " + (p->exec_id.empty() ? c->id : p->exec_id) +
                             " lost: " + waited.error().message);
  co_await p->io->WaitOutput(kDrainLimit);
  while (!p->start_published && !p->deleted) co_await p->WaitChange();
  if (p->deleted) co_return;
  if (p->exec_id.empty()) {
    // containerd expects the execs' exits before the init's.
    asio::steady_timer limit(ex_, kDrainLimit);
    for (auto& [id, e] : c->execs)
      while (e->status == Status::kRunning && std::chrono::steady_clock::now() < limit.expiry()) {
        asio::steady_timer tick(ex_, 10ms);
        co_await tick.async_wait(vc::kTuple);
      }
  }
  p->exit = exit;
  p->status = Status::kStopped;
  p->io->Close();
  events_.TaskExit(c->id, p->exec_id, vm_pid_, exit);
  p->Notify();
}

asio::awaitable<void> Tasks::Teardown() {
  if (!sandbox_id_.empty()) co_await StopSandbox();
  for (auto& [id, c] : containers_) {
    c->init->io->Close();
    for (auto& [exec_id, p] : c->execs) p->io->Close();
    if (c->rootfs_mounted) (void)UnmountRootfs(c->bundle + "/rootfs");
  }
  containers_.clear();
}

asio::awaitable<void> Tasks::WatchOom(std::shared_ptr<agent::AsyncAgent> agent) {
  for (;;) {
    auto id = co_await agent->GetOOMEvent();
    if (!id) co_return;
    if (containers_.contains(*id)) events_.TaskOOM(*id);
  }
}

asio::awaitable<void> Tasks::LogTimeline() {
  Job<Result<SandboxStatus>> status{[this, sid = sandbox_id_] { return runtime_->StatusSandbox(sid); }};
  auto s = co_await OnWorker(&status);
  if (s) log::Info("start timeline (ms since the start): " + TimelineLine(s->timeline));
}

Async<uint32_t> Tasks::Start(std::string id, std::string exec_id) {
  auto c = Find(id);
  if (!c) co_return std::unexpected(c.error());
  auto p = Find(id, exec_id);
  if (!p) co_return std::unexpected(p.error());
  if ((*p)->status != Status::kCreated || (*p)->start_published)
    co_return Fail(ErrorCode::kFailedPrecondition,
                   "process " + (exec_id.empty() ? id : exec_id) + " was already started");
  if (exec_id.empty()) {
    const std::string sid = (*c)->sandbox_id;
    Job<Result<ContainerStatus>> start{[this, sid, id] { return runtime_->StartContainer(sid, id); }};
    auto started = co_await OnWorker(&start);
    if (!started) co_return std::unexpected(started.error());
    if ((*p)->status == Status::kCreated) (*p)->status = Status::kRunning;
    events_.TaskStart(id, vm_pid_);
    if (id == sandbox_id_) asio::co_spawn(ex_, LogTimeline(), asio::detached);
  } else {
    // The handle EnterContainer returns is not needed: stdio and the exit
    // come through the shim's own agent connection.
    Job<Result<>> exec{[this, sid = sandbox_id_, id, exec_id, cmd = (*p)->cmd]() -> Result<> {
      auto process = runtime_->EnterContainer(sid, id, cmd, exec_id);
      if (!process) return std::unexpected(process.error());
      return {};
    }};
    if (auto ok = co_await OnWorker(&exec); !ok) co_return std::unexpected(ok.error());
    (*p)->status = Status::kRunning;
    (*p)->io->Start(agent_, id, exec_id);
    asio::co_spawn(ex_, WatchExit(*c, *p), asio::detached);
    events_.ExecStarted(id, exec_id, vm_pid_);
  }
  (*p)->start_published = true;
  (*p)->Notify();
  co_return vm_pid_;
}

Async<> Tasks::Exec(ExecRequest r) {
  auto c = Find(r.id);
  if (!c) co_return std::unexpected(c.error());
  if (auto ok = ValidateId("exec", r.exec_id); !ok) co_return std::unexpected(ok.error());
  if ((*c)->execs.contains(r.exec_id))
    co_return Fail(ErrorCode::kAlreadyExists,
                   "process " + r.exec_id + " already exists in container " + r.id);
  if ((*c)->init->status != Status::kRunning)
    co_return Fail(ErrorCode::kFailedPrecondition, "container " + r.id + " is not running");
  if (r.cmd.args.empty()) co_return Fail(ErrorCode::kInvalidArgument, "exec " + r.exec_id + ": no command");
  auto io = Stdio::Open(ex_, r.stdio);
  if (!io) co_return std::unexpected(io.error());
  auto p = std::make_shared<Process>(ex_);
  p->exec_id = r.exec_id;
  p->cmd = std::move(r.cmd);
  p->cmd.terminal = r.stdio.terminal;
  p->stdio = r.stdio;
  p->io = *io;
  (*c)->execs[r.exec_id] = p;
  events_.ExecAdded(r.id, r.exec_id);
  co_return Result<>{};
}

Async<ProcessState> Tasks::Delete(std::string id, std::string exec_id) {
  auto c = Find(id);
  if (!c) co_return std::unexpected(c.error());
  auto p = Find(id, exec_id);
  if (!p) co_return std::unexpected(p.error());
  if ((*p)->status == Status::kRunning || (*p)->status == Status::kPaused)
    co_return Fail(ErrorCode::kFailedPrecondition,
                   "process " + (exec_id.empty() ? id : exec_id) + " is running: kill it first");
  (*p)->deleted = true;
  (*p)->Notify();
  (*p)->io->Close();
  if ((*p)->status == Status::kCreated) (*p)->exit.at = Clock::now();
  ProcessState state = StateOf(**c, **p);
  if (!exec_id.empty()) {
    (*c)->execs.erase(exec_id);
    co_return state;
  }
  const std::string sid = (*c)->sandbox_id;
  Job<Result<>> remove{[this, sid, id]() -> Result<> {
    auto r = runtime_->DeleteContainer(sid, id);
    if (!r && r.error().code != ErrorCode::kNotFound) return r;
    return {};
  }};
  auto removed = co_await OnWorker(&remove);
  if (!removed) log::Warn("remove container " + id + ": " + removed.error().message);
  if ((*c)->owns_vm) co_await StopSandbox();
  if ((*c)->rootfs_mounted) {
    if (auto ok = UnmountRootfs((*c)->bundle + "/rootfs"); !ok)
      co_return std::unexpected(ok.error());
    (*c)->rootfs_mounted = false;
  }
  containers_.erase(id);
  events_.TaskDelete(id, state.pid, state.exit);
  co_return state;
}

}  // namespace vc::shim

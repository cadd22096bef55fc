#include "containers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "disks.h"
#include "oci/annotations.h"
#include "os/error.h"
#include "init.h"
#include "os/file.h"
#include "setup/setup.h"

namespace vc::agent {

namespace {

// Reads the report pipe of a spawned child: until 'R' (`until_ready`) or EOF.
// Anything else it sent is its error message.
Result<> ReadReport(int fd, bool until_ready) {
  std::string message;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<size_t>(n));
    if (until_ready && message == "R") return {};
  }
  if (message.empty() || message == "R") {
    if (until_ready) return Fail(ErrorCode::kInternal, "container process died during setup");
    return {};
  }
  if (message[0] == 'R') message.erase(0, 1);
  return Fail(ErrorCode::kInvalidArgument, message);
}

}  // namespace

Result<Container*> Containers::Get(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return Fail(ErrorCode::kNotFound, "container " + id + " not found");
  return &it->second;
}

Result<std::shared_ptr<Process>> Containers::Find(const std::string& id,
                                                  const std::string& exec_id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  if (exec_id.empty()) return (*c)->init;
  auto it = (*c)->execs.find(exec_id);
  if (it == (*c)->execs.end())
    return Fail(ErrorCode::kNotFound, "process " + exec_id + " not found in container " + id);
  return it->second;
}

Result<std::shared_ptr<Process>> Containers::Launch(const std::string& id,
                                                    const std::string& exec_id,
                                                    SpawnRequest request) {
  auto spawned = Spawn(request);
  if (!spawned) return std::unexpected(spawned.error());
  auto process = std::make_shared<Process>(ex_);
  process->container_id = id;
  process->exec_id = exec_id;
  process->pid = spawned->pid;
  process->start = std::move(spawned->start);
  process->report = std::move(spawned->report);
  by_pid_[process->pid] = process;
  if (auto ready = ReadReport(process->report.get(), true); !ready) {
    process->start.reset();  // lets a child still waiting exit at once
    return std::unexpected(ready.error());
  }
  process->stdin_w =
      std::make_unique<asio::posix::stream_descriptor>(ex_, spawned->stdin_w.release());
  process->out = std::make_shared<OutputBuffer>(ex_, std::move(spawned->stdout_r));
  process->err = std::make_shared<OutputBuffer>(ex_, std::move(spawned->stderr_r));
  process->pty = std::move(spawned->pty);
  process->out->Start();
  process->err->Start();
  return process;
}

Result<> Containers::Release(Process& process) {
  if (::write(process.start.get(), "G", 1) != 1) return os::FailErrno("start process");
  process.start.reset();
  auto execed = ReadReport(process.report.get(), false);
  process.report.reset();
  if (!execed) return execed;
  process.started = true;
  return {};
}

pid_t Containers::PodPid(const std::string& id, const oci::Spec& spec) const {
  auto sandbox = spec.annotations.find(oci::kSandboxIdAnnotation);
  if (sandbox == spec.annotations.end() || sandbox->second == id) return 0;
  auto pod = containers_.find(sandbox->second);
  if (pod == containers_.end() || pod->second.init->exited) return 0;
  return pod->second.init->pid;
}

Result<> Containers::Create(const std::string& id, oci::Spec spec, std::vector<std::string> disk_mounts) {
  auto created = Make(id, std::move(spec));
  if (!created) {
    disks::UnmountAll(disk_mounts);
    return created;
  }
  containers_[id].disk_mounts = std::move(disk_mounts);
  return {};
}

Result<> Containers::Make(const std::string& id, oci::Spec spec) {
  if (containers_.contains(id))
    return Fail(ErrorCode::kAlreadyExists, "container " + id + " already exists");
  if (!spec.process) return Fail(ErrorCode::kInvalidArgument, "OCI spec: process is required");
  if (!os::Exists(spec.root.path))
    return Fail(ErrorCode::kNotFound, "container root " + spec.root.path + " not found in the guest");
  if (auto ok = setup::CheckContainer(spec); !ok) return ok;
  auto cgroup = cgroup::Create(id);
  if (!cgroup) return std::unexpected(cgroup.error());
  if (spec.linux.resources) {
    auto r = cgroup::Apply(*cgroup, *spec.linux.resources);
    if (r && !spec.linux.resources->devices.empty()) r = cgroup::SetDevices(*cgroup, spec.linux.resources->devices);
    if (!r) {
      cgroup::Remove(*cgroup, false);
      return std::unexpected(r.error().Wrap("apply linux.resources"));
    }
  }
  SpawnRequest request{*spec.process, *cgroup, spec, 0, PodPid(id, spec)};
  auto init = Launch(id, "", std::move(request));
  if (!init) {
    cgroup::Remove(*cgroup, false);
    return std::unexpected(init.error());
  }
  if (auto watched = oom_.Watch(id, *cgroup); !watched)
    Log("no OOM events for " + id + ": " + watched.error().message);
  Container& c = containers_[id];
  c.id = id;
  c.spec = std::move(spec);
  c.cgroup_dir = *cgroup;
  c.init = *init;
  return {};
}

Result<> Containers::Start(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  Process& init = *(*c)->init;
  if (init.started || init.exited)
    return Fail(ErrorCode::kFailedPrecondition, "container " + id + " was already started");
  return Release(init);
}

Result<> Containers::Exec(const std::string& id, const std::string& exec_id,
                          oci::Process process) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  Container& container = **c;
  if (exec_id.empty()) return Fail(ErrorCode::kInvalidArgument, "exec id is empty");
  if (container.execs.contains(exec_id))
    return Fail(ErrorCode::kAlreadyExists, "process " + exec_id + " already exists in " + id);
  if (!container.init->started || container.init->exited)
    return Fail(ErrorCode::kFailedPrecondition, "container " + id + " is not running");
  if (container.paused)
    return Fail(ErrorCode::kFailedPrecondition, "container " + id + " is paused");
  // What the exec does not say it takes from the container's process, as
  // containerd's exec specs do: capabilities, rlimits, noNewPrivileges, ...
  const oci::Process& init = *container.spec.process;
  if (!process.capabilities) process.capabilities = init.capabilities;
  if (process.rlimits.empty()) process.rlimits = init.rlimits;
  process.no_new_privileges = process.no_new_privileges || init.no_new_privileges;
  if (process.user.additional_gids.empty()) process.user.additional_gids = init.user.additional_gids;
  if (!process.user.umask) process.user.umask = init.user.umask;
  SpawnRequest request{std::move(process), container.cgroup_dir, container.spec, container.init->pid};
  auto spawned = Launch(id, exec_id, std::move(request));
  if (!spawned) return std::unexpected(spawned.error());
  if (auto r = Release(**spawned); !r) return r;
  container.execs[exec_id] = *spawned;
  return {};
}

Result<> Containers::Signal(const std::string& id, const std::string& exec_id, int signal,
                            bool all) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  if (all) {
    auto pids = Pids(id);
    if (!pids) return std::unexpected(pids.error());
    for (pid_t pid : *pids) ::kill(pid, signal);
    return {};
  }
  auto p = Find(id, exec_id);
  if (!p) return std::unexpected(p.error());
  // A created container's init waits for its start; as under runc, a
  // signal reaches it there (SIGKILL ends it before it ever runs).
  if ((*p)->exited)
    return Fail(ErrorCode::kNotFound, "process " + (exec_id.empty() ? id : exec_id) +
                                          " is not running");
  if (::kill((*p)->pid, signal) != 0) return os::FailErrno("kill");
  return {};
}

Result<> Containers::Pause(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  if ((*c)->paused) return Fail(ErrorCode::kFailedPrecondition, "container " + id + " is paused");
  if (auto r = cgroup::Freeze((*c)->cgroup_dir, true); !r) return r;
  (*c)->paused = true;
  return {};
}

Result<> Containers::Resume(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  if (!(*c)->paused)
    return Fail(ErrorCode::kFailedPrecondition, "container " + id + " is not paused");
  if (auto r = cgroup::Freeze((*c)->cgroup_dir, false); !r) return r;
  (*c)->paused = false;
  return {};
}

Result<cgroup::Stats> Containers::Stats(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  return cgroup::Read((*c)->cgroup_dir);
}

Result<> Containers::Update(const std::string& id, const oci::Resources& r) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  return cgroup::Apply((*c)->cgroup_dir, r);
}

Result<std::vector<pid_t>> Containers::Pids(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  return cgroup::Procs((*c)->cgroup_dir);
}

Result<> Containers::ResizeTerminal(const std::string& id, const std::string& exec_id,
                                    uint16_t rows, uint16_t columns) {
  auto p = Find(id, exec_id);
  if (!p) return std::unexpected(p.error());
  if (!(*p)->pty)
    return Fail(ErrorCode::kFailedPrecondition,
                "process " + (exec_id.empty() ? id : exec_id) + " has no terminal");
  winsize size{rows, columns, 0, 0};
  if (::ioctl((*p)->pty.get(), TIOCSWINSZ, &size) != 0) return os::FailErrno("resize terminal");
  return {};
}

Result<> Containers::Remove(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  Container& container = **c;
  if (container.init->started && !container.init->exited)
    return Fail(ErrorCode::kFailedPrecondition,
                "container " + id + " is running: stop it before removing it");
  // A created-but-never-started init waits on its start pipe: closing it ends it.
  container.init->start.reset();
  cgroup::Remove(container.cgroup_dir, container.paused);
  disks::UnmountAll(container.disk_mounts);
  oom_.Forget(id);
  containers_.erase(id);
  return {};
}

void Containers::KillAll() {
  for (auto& [id, c] : containers_) {
    c.init->start.reset();
    cgroup::Kill(c.cgroup_dir, false);
  }
  // Gone before the caller syncs: nothing they write comes after it.
  for (auto& [id, c] : containers_)
    if (!cgroup::WaitEmpty(c.cgroup_dir, std::chrono::seconds(1)))
      Log("container " + id + ": processes still dying after SIGKILL");
  for (auto& [id, c] : containers_) {
    disks::UnmountAll(c.disk_mounts);
    c.disk_mounts.clear();
  }
}

void Containers::Collected(const std::shared_ptr<Process>& p) {
  if (p->exec_id.empty() || !p->exited || !p->waited || !p->stdout_drained || !p->stderr_drained)
    return;
  auto c = containers_.find(p->container_id);
  if (c != containers_.end()) c->second.execs.erase(p->exec_id);
}

void Containers::OnExit(pid_t pid, int wait_status) {
  auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return;
  if (auto process = it->second.lock()) {
    process->exited = true;
    process->exit_status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
                                                  : 128 + WTERMSIG(wait_status);
    process->exit_changed.Notify();
  }
  by_pid_.erase(it);
}

}  // namespace vc::agent

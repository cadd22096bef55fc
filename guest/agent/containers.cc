#include "containers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "os/error.h"
#include "os/file.h"

namespace vc::agent {

namespace {

const std::string kCgroupRoot = "/sys/fs/cgroup/vc";

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

uint64_t ReadKey(const std::string& file, const std::string& key) {
  auto text = os::ReadFile(file);
  if (!text) return 0;
  std::istringstream in(*text);
  for (std::string k; in >> k;) {
    uint64_t v = 0;
    if (key.empty()) return std::stoull(k);
    in >> v;
    if (k == key) return v;
  }
  return 0;
}

// A cgroup limit file: a number, or "max" (returned as 0).
uint64_t ReadLimit(const std::string& file) {
  auto text = os::ReadFile(file);
  if (!text || text->starts_with("max")) return 0;
  return std::strtoull(text->c_str(), nullptr, 10);
}

Result<> WriteCgroup(const std::string& dir, const std::string& file, const std::string& value) {
  std::string path = dir + "/" + file;
  os::Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return os::FailErrno("open " + path);
  return os::WriteAll(fd.get(), value);
}

// Waits until cgroup.events reports frozen == want (the kernel freezes asynchronously).
Result<> WaitFrozen(const std::string& dir, bool want) {
  for (int i = 0; i < 500; ++i) {
    if ((ReadKey(dir + "/cgroup.events", "frozen") == 1) == want) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Fail(ErrorCode::kDeadlineExceeded, "cgroup " + dir + " did not change freezer state");
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

Result<> Containers::Create(const std::string& id, ContainerSpec spec) {
  if (containers_.contains(id))
    return Fail(ErrorCode::kAlreadyExists, "container " + id + " already exists");
  if (!os::Exists(spec.root))
    return Fail(ErrorCode::kNotFound, "container root " + spec.root + " not found in the guest");
  std::string cgroup = kCgroupRoot + "/" + id;
  if (auto r = os::MakeDirs(kCgroupRoot, 0755); !r) return r;
  (void)WriteCgroup(kCgroupRoot, "cgroup.subtree_control", "+cpu +memory +pids");
  if (::mkdir(cgroup.c_str(), 0755) != 0 && errno != EEXIST)
    return os::FailErrno("create cgroup " + cgroup);

  SpawnRequest request{spec.process, cgroup, spec, 0};
  auto init = Launch(id, "", std::move(request));
  if (!init) {
    ::rmdir(cgroup.c_str());
    return std::unexpected(init.error());
  }
  if (auto watched = oom_.Watch(id, cgroup); !watched)
    std::fprintf(stderr, "vc-agent: no OOM events for %s: %s\n", id.c_str(),
                 watched.error().message.c_str());
  Container& c = containers_[id];
  c.id = id;
  c.spec = std::move(spec);
  c.cgroup_dir = cgroup;
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
                          ProcessSpec process) {
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
  SpawnRequest request{std::move(process), container.cgroup_dir, {}, container.init->pid};
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
  if ((*p)->exited || !(*p)->started)
    return Fail(ErrorCode::kNotFound, "process " + (exec_id.empty() ? id : exec_id) +
                                          " is not running");
  if (::kill((*p)->pid, signal) != 0) return os::FailErrno("kill");
  return {};
}

Result<> Containers::Pause(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  if ((*c)->paused) return Fail(ErrorCode::kFailedPrecondition, "container " + id + " is paused");
  if (auto r = WriteCgroup((*c)->cgroup_dir, "cgroup.freeze", "1"); !r) return r;
  if (auto r = WaitFrozen((*c)->cgroup_dir, true); !r) return r;
  (*c)->paused = true;
  return {};
}

Result<> Containers::Resume(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  if (!(*c)->paused)
    return Fail(ErrorCode::kFailedPrecondition, "container " + id + " is not paused");
  if (auto r = WriteCgroup((*c)->cgroup_dir, "cgroup.freeze", "0"); !r) return r;
  if (auto r = WaitFrozen((*c)->cgroup_dir, false); !r) return r;
  (*c)->paused = false;
  return {};
}

Result<ContainerStats> Containers::Stats(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  const std::string& dir = (*c)->cgroup_dir;
  return ContainerStats{ReadKey(dir + "/cpu.stat", "usage_usec"),
                        ReadKey(dir + "/memory.current", ""), ReadKey(dir + "/pids.current", ""),
                        ReadLimit(dir + "/memory.max"), ReadLimit(dir + "/pids.max")};
}

Result<> Containers::Update(const std::string& id, const Resources& r) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  const std::string& dir = (*c)->cgroup_dir;
  auto limit = [](int64_t v) { return v < 0 ? std::string("max") : std::to_string(v); };
  if (r.memory_limit)
    if (auto w = WriteCgroup(dir, "memory.max", limit(*r.memory_limit)); !w) return w;
  if (r.cpu_quota || r.cpu_period) {
    std::string quota = r.cpu_quota ? limit(*r.cpu_quota) : "max";
    std::string value = r.cpu_period ? quota + " " + std::to_string(*r.cpu_period) : quota;
    if (auto w = WriteCgroup(dir, "cpu.max", value); !w) return w;
  }
  if (r.cpu_shares && *r.cpu_shares > 0) {
    // cgroup v1 shares [2, 262144] onto v2 weight [1, 10000], as runc converts them.
    uint64_t shares = std::clamp<uint64_t>(*r.cpu_shares, 2, 262144);
    uint64_t weight = 1 + ((shares - 2) * 9999) / 262142;
    if (auto w = WriteCgroup(dir, "cpu.weight", std::to_string(weight)); !w) return w;
  }
  if (r.pids_limit)
    if (auto w = WriteCgroup(dir, "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max"); !w)
      return w;
  return {};
}

Result<std::vector<pid_t>> Containers::Pids(const std::string& id) {
  auto c = Get(id);
  if (!c) return std::unexpected(c.error());
  auto procs = os::ReadFile((*c)->cgroup_dir + "/cgroup.procs");
  if (!procs) return std::unexpected(procs.error());
  std::vector<pid_t> pids;
  std::istringstream in(*procs);
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
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
  if (container.paused) (void)WriteCgroup(container.cgroup_dir, "cgroup.freeze", "0");
  (void)WriteCgroup(container.cgroup_dir, "cgroup.kill", "1");
  for (int i = 0; i < 500 && ::rmdir(container.cgroup_dir.c_str()) != 0 && errno == EBUSY; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  oom_.Forget(id);
  containers_.erase(id);
  return {};
}

void Containers::KillAll() {
  for (auto& [id, c] : containers_) {
    c.init->start.reset();
    (void)WriteCgroup(c.cgroup_dir, "cgroup.kill", "1");
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

// The agent's table of containers and their processes, and what can be done
// to them. Runs on the agent's single event-loop thread; not thread-safe.
#pragma once

#include <sys/types.h>

#include "os/asio.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cgroup.h"
#include "oci/spec.h"
#include "oom.h"
#include "spawn.h"
#include "stream.h"
#include "vc/result.h"

namespace vc::agent {

struct Process {
  explicit Process(asio::any_io_executor ex) : exit_changed(ex) {}

  std::string container_id;
  std::string exec_id;  // empty for the init process
  pid_t pid = 0;
  os::Fd start;
  os::Fd report;
  std::unique_ptr<asio::posix::stream_descriptor> stdin_w;
  std::shared_ptr<OutputBuffer> out;
  std::shared_ptr<OutputBuffer> err;
  os::Fd pty;  // terminal mode: the terminal's master, for window size changes
  bool started = false;
  bool exited = false;
  int exit_status = 0;  // exit code, or 128 + signal
  // What the host has collected; an exec process that was waited for and
  // whose output was read to the end is forgotten (see Containers::Collected).
  bool waited = false;
  bool stdout_drained = false;
  bool stderr_drained = false;
  Notifier exit_changed;
};

struct Container {
  std::string id;
  oci::Spec spec;
  std::string cgroup_dir;
  std::shared_ptr<Process> init;
  std::map<std::string, std::shared_ptr<Process>> execs;
  bool paused = false;
  std::vector<std::string> disk_mounts;  // its disks, mounted before it was made
};

class Containers {
 public:
  explicit Containers(asio::any_io_executor ex) : ex_(ex), oom_(ex) {}

  // `disk_mounts`: its disks, already mounted; unmounted when it is removed
  // (also when Create fails).
  Result<> Create(const std::string& id, oci::Spec spec, std::vector<std::string> disk_mounts);
  Result<> Start(const std::string& id);
  Result<> Exec(const std::string& id, const std::string& exec_id, oci::Process process);
  Result<> Signal(const std::string& id, const std::string& exec_id, int signal, bool all);
  Result<> Pause(const std::string& id);
  Result<> Resume(const std::string& id);
  Result<cgroup::Stats> Stats(const std::string& id);
  Result<> Update(const std::string& id, const oci::Resources& resources);
  Result<std::vector<pid_t>> Pids(const std::string& id);
  Result<> ResizeTerminal(const std::string& id, const std::string& exec_id, uint16_t rows,
                          uint16_t columns);
  // Removes a container whose init process is not running (never started, or exited).
  Result<> Remove(const std::string& id);
  // Kills every container's processes and waits (up to 1 s each) until they
  // are gone, then unmounts their disks (sandbox teardown).
  void KillAll();

  Result<std::shared_ptr<Process>> Find(const std::string& id, const std::string& exec_id);
  // Forgets an exec process once the host has its exit status and all its
  // output, so containers with many execs (health checks) do not grow.
  void Collected(const std::shared_ptr<Process>& process);
  // Records the exit of a reaped child.
  void OnExit(pid_t pid, int wait_status);
  // OOM kills in any container.
  OomMonitor& oom() { return oom_; }

 private:
  Result<> Make(const std::string& id, oci::Spec spec);
  // The init pid of the pod sandbox container that `spec` names
  // (io.kubernetes.cri.sandbox-id), if it runs here; 0 otherwise.
  pid_t PodPid(const std::string& id, const oci::Spec& spec) const;
  Result<std::shared_ptr<Process>> Launch(const std::string& id, const std::string& exec_id,
                                          SpawnRequest request);
  Result<> Release(Process& process);
  Result<Container*> Get(const std::string& id);

  asio::any_io_executor ex_;
  std::map<std::string, Container> containers_;
  std::map<pid_t, std::weak_ptr<Process>> by_pid_;
  OomMonitor oom_;
};

}  // namespace vc::agent

// The tasks one shim serves: a pod's containers (or one container) in one VM,
// and their exec processes. containerd's Task requests arrive here already
// translated (service.cc). Everything runs on the shim's event loop thread;
// every change of a sandbox, container or process (create, start, exec, kill,
// pause, update, resize, delete) and every query (stats, pids) is a blocking
// vc::Runtime call run on one worker thread, so the library's record sees it;
// stdio and exits are long polls on one agent connection. The thread count
// stays fixed whatever the number of containers and execs.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "agent/async_agent.h"
#include "oci/spec.h"
#include "os/asio.h"
#include "os/worker.h"
#include "shim/events.h"
#include "shim/port_forward.h"
#include "shim/stdio.h"
#include "shim/types.h"
#include "vc/vc.h"

namespace vc::shim {

using agent::Async;  // a coroutine returning Result<T>

class Tasks {
 public:
  // `guest_dir`: default place of the guest kernel and initramfs.
  Tasks(asio::any_io_executor ex, Publisher& events, std::string guest_dir);
  ~Tasks();

  // Returns the task pid (the VM's QEMU process: the container's processes
  // live in the guest).
  Async<uint32_t> Create(CreateRequest request);
  Async<uint32_t> Start(std::string id, std::string exec_id);
  Async<ProcessState> Delete(std::string id, std::string exec_id);
  Async<> Exec(ExecRequest request);
  Async<ProcessState> State(std::string id, std::string exec_id);
  Async<std::vector<uint32_t>> Pids(std::string id);
  // Freezes (pause) or thaws the container's processes.
  Async<> SetPaused(std::string id, bool pause);
  Async<> Kill(std::string id, std::string exec_id, int signal, bool all);
  Async<> ResizePty(std::string id, std::string exec_id, uint32_t width, uint32_t height);
  Async<> CloseIO(std::string id, std::string exec_id);
  Async<> Update(std::string id, ContainerResources resources);
  Async<Exit> Wait(std::string id, std::string exec_id);
  Async<ContainerStats> StatsOf(std::string id);

  // Stops the VM and releases every container's host side (SIGTERM to the shim).
  asio::awaitable<void> Teardown();

  uint32_t task_pid() const { return vm_pid_; }
  bool empty() const { return containers_.empty(); }

 private:
  struct Process;
  struct Container;

  Result<std::shared_ptr<Container>> Find(const std::string& id);
  Result<std::shared_ptr<Process>> Find(const std::string& id, const std::string& exec_id);
  // A blocking library call on the worker thread (see os/worker.h).
  template <typename R>
  using Job = os::Job<R>;
  template <typename R>
  asio::awaitable<R> OnWorker(Job<R>* job) { return worker_.Run(job); }
  asio::awaitable<void> WatchExit(std::shared_ptr<Container> c, std::shared_ptr<Process> p);
  // Publishes the guest's OOM kills until the agent connection ends.
  asio::awaitable<void> WatchOom(std::shared_ptr<agent::AsyncAgent> agent);
  // Logs the phases of the pod's start once its first container runs.
  asio::awaitable<void> LogTimeline();
  Async<> BootSandbox(const std::string& id, const std::string& config_path, const oci::Spec& spec);
  asio::awaitable<void> StopSandbox();
  // The shim joins its VM's host cgroup (a pod's, from CRI's cgroup_parent),
  // as Kata's sandbox_cgroup_only, so the pod's accounting sees all of it;
  // it leaves before the VM stops, whose cleanup removes the cgroup.
  void JoinVmCgroup();
  void LeaveVmCgroup();
  ProcessState StateOf(const Container& c, const Process& p) const;

  asio::any_io_executor ex_;
  os::Worker worker_{ex_};
  Publisher& events_;
  std::string guest_dir_;
  std::unique_ptr<Runtime> runtime_;  // used on worker_ only
  std::string state_root_;
  std::string sandbox_id_;  // the VM this shim runs; empty before the first Create
  uint32_t vm_pid_ = 0;
  std::vector<std::string> own_cgroup_;  // where the shim was before JoinVmCgroup
  std::shared_ptr<agent::AsyncAgent> agent_;
  std::unique_ptr<PortForward> port_forward_;  // a pod's (it has a network namespace)
  std::map<std::string, std::shared_ptr<Container>> containers_;
};

}  // namespace vc::shim

// What tasks.cc and task_control.cc share: the records of the shim's
// containers and processes.
#pragma once

#include "shim/tasks.h"

namespace vc::shim {

struct Tasks::Process {
  explicit Process(asio::any_io_executor ex) : changed(ex) {
    changed.expires_at(asio::steady_timer::time_point::max());
  }
  // Wakes everything waiting on this process; the expiry stays at "never".
  void Notify() { changed.cancel(); }
  asio::awaitable<void> WaitChange() { co_await changed.async_wait(vc::kTuple); }

  std::string exec_id;  // "" for the init process
  Cmd cmd;              // exec processes: what to run
  StdioPaths stdio;
  std::shared_ptr<Stdio> io;
  Status status = Status::kCreated;
  Exit exit;
  bool start_published = false;  // the exit event must follow the start event
  bool deleted = false;
  asio::steady_timer changed;
};

struct Tasks::Container {
  std::string id;
  std::string bundle;
  std::string sandbox_id;
  bool owns_vm = false;  // the sandbox container: its delete ends the VM
  bool rootfs_mounted = false;
  bool paused = false;
  std::shared_ptr<Process> init;
  std::map<std::string, std::shared_ptr<Process>> execs;
};

}  // namespace vc::shim

// The supervisor's control service (proto/supervisor.proto) on control.sock:
// requests arrive on the event loop and run, one at a time, on the worker
// thread, because hot-plug blocks for seconds (the guest releases a device
// slowly) and the agent channel must keep flowing meanwhile.
#pragma once

#include <functional>
#include <string>

#include "agent/agent.h"
#include "hypervisor/hypervisor.h"
#include "os/worker.h"
#include "supervisor/protocol/control_client.h"
#include "ttrpc/server.h"

namespace vc::supervisor {

// What the service asks of the supervisor; called on the worker thread.
struct ControlOps {
  std::function<Result<agent::GuestNetwork>(const std::string& name)> add_interface;
  std::function<Result<>(const std::string& name)> remove_interface;
  std::function<Result<hypervisor::VmSize>(const hypervisor::VmSize& want)> grow_vm;
  std::function<Result<AttachedDisk>(const std::string& path, bool read_only, bool raw)> add_disk;
  std::function<Result<>(const std::string& id)> remove_disk;
  std::function<Result<>(const std::string& path, uint64_t bytes)> resize_disk;
  std::function<Result<std::vector<std::string>>(const std::string& group)> add_vfio_group;
  std::function<Result<>(const std::string& group)> remove_vfio_group;
};

// REQUIRES: `worker` outlives the table's use.
void RegisterControl(ttrpc::MethodTable& table, os::Worker& worker, ControlOps ops);

}  // namespace vc::supervisor

// The supervisor's one object (vc-supervisor), shared by its files:
// supervisor.cc (start, stop, the start report), vm_ops.cc (what the control
// API asks of the running VM: NICs, disks, VFIO groups, growing it) and
// agent_channel.cc (the agent channel, its clients, and watching the VM,
// the state and signals). Not for use outside src/supervisor/.
#pragma once

#include "supervisor/supervisor.h"

#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vm_sockets.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <random>
#include <optional>
#include <thread>

#include "agent.pb.h"
#include "protocol/agent.h"
#include "agent/transport.h"
#include "factory/template.h"
#include "hypervisor/hypervisor.h"
#include "net/json.h"
#include "os/error.h"
#include "os/file.h"
#include "os/log.h"
#include "os/notifier.h"
#include "os/process.h"
#include "persist/store.h"
#include "resource/disk/disk.h"
#include "resource/manager.h"
#include "persist/layout.h"
#include "supervisor/protocol/spec.h"
#include "os/timeline.h"
#include "supervisor/control.h"
#include "supervisor/debug_console.h"
#include "supervisor/guest_log.h"
#include "supervisor/mux.h"
#include "ttrpc.pb.h"

namespace vc::supervisor {

class Supervisor {
 public:
  explicit Supervisor(const Options& o)
      : options_(o), store_(persist::NewFsStore(o.state_root)),
        layout_(SandboxLayout::Of(o.state_root, o.sandbox_id)), signals_(io_, SIGCHLD, SIGTERM, SIGINT) {}

  int Run();

 private:
  Result<> Start();

  // A VM from the template: its devices (console, share, agent port) as the
  // template had them, its memory a copy-on-write mapping of the template's,
  // its state loaded; then the NICs hot-plugged. Undoes itself on failure.
  Result<> RestoreVm(const std::vector<hypervisor::Device>& devices);

  // On the worker thread (the event loop never touches the VM's devices or
  // the resources after Start).
  Result<agent::GuestNetwork> AddInterface(const std::string& name);

  Result<hypervisor::VmSize> GrowVm(const hypervisor::VmSize& want);

  // With sandbox_cgroup_only false, the vCPU threads (new ones too) go to the pod's cgroup.
  Result<> PlaceVcpuThreads();

  // The disk is checked and opened here; QEMU gets the descriptor, and
  // ours closes once it has it (a block device's exclusive claim stays with
  // QEMU's copy).
  Result<AttachedDisk> AddDisk(const std::string& path, bool read_only, bool raw);

  Result<> RemoveDisk(const std::string& id);

  Result<> ResizeDisk(const std::string& path, uint64_t bytes);

  // A group is bound and plugged for its first user; later ones share it.
  Result<std::vector<std::string>> AddVfioGroup(const std::string& group);

  Result<> RemoveVfioGroup(const std::string& group);

  Result<> RemoveInterface(const std::string& name);

  // QEMU listens on the host end of the virtio-serial port from its start.
  Result<Socket> ConnectSerial(const std::string& path);

  // The guest listens on vsock only once it has booted: retry until then.
  Result<Socket> ConnectVsock(uint32_t cid);

  // Guest CIDs are host-wide; a random one in [3, 2^31) rarely collides.
  static uint32_t RandomCid();

  // Asks the agent for a health check until it answers (the guest is booting),
  // then reports success to whoever started us.
  asio::awaitable<void> AwaitAgent();

  asio::awaitable<void> Accept();

  // A sandbox whose record or client socket is gone (its caller died and its
  // state root was cleaned away) can be reached by no call: rather than keep
  // its VM forever, the supervisor stops it.
  asio::awaitable<void> WatchState();

  asio::awaitable<void> HandleSignals();

  // QEMU closes its sockets while exiting, a moment before it is gone.
  bool VmGone() const;

  // What the guest console says about an early death: the panic line if
  // there is one, else its last lines.
  std::string ConsoleSummary() const;

  void Stop(const std::string& reason);

  void Cleanup();

  // The moments of the start, reported to the library (os/timeline.h).
  void Mark(const std::string& phase, int64_t mono_ns = MonotonicNs());

  void Report(const nlohmann::json& result);

  Options options_;
  std::unique_ptr<persist::Store> store_;
  SandboxLayout layout_;
  SupervisorSpec spec_;
  std::unique_ptr<resource::Manager> resources_;
  asio::io_context io_;
  std::shared_ptr<GuestLog> guest_log_;  // after io_: its reader is io_'s
  asio::signal_set signals_;
  std::optional<asio::local::stream_protocol::acceptor> acceptor_;
  std::optional<asio::local::stream_protocol::acceptor> control_acceptor_;
  ttrpc::MethodTable control_;
  os::Worker worker_{io_.get_executor()};  // control requests, one at a time
  std::unique_ptr<hypervisor::Hypervisor> hypervisor_;
  std::unique_ptr<Mux> mux_;
  std::vector<pid_t> vm_pids_;
  std::vector<pid_t> daemon_pids_;
  bool stopping_ = false;
  bool reported_ = false;
  bool restored_ = false;  // the VM came from the template
  uint32_t next_disk_ = 0;  // ids of disks attached: disk0, disk1, ...
  std::vector<BootDisk> boot_disks_;  // SupervisorSpec::disks, as attached
  // IOMMU groups passed to the VM: their devices and how many containers use each.
  struct VfioUse {
    int users = 1;
    std::vector<std::string> ids;
    std::vector<std::string> addresses;
  };
  std::map<std::string, VfioUse> vfio_;
  std::string stop_reason_;
  nlohmann::json timeline_ = nlohmann::json::array();
};

}  // namespace vc::supervisor

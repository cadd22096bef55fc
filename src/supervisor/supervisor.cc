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

namespace {

using namespace std::chrono_literals;

class Supervisor {
 public:
  explicit Supervisor(const Options& o)
      : options_(o), store_(persist::NewFsStore(o.state_root)),
        layout_(SandboxLayout::Of(o.state_root, o.sandbox_id)), signals_(io_, SIGCHLD, SIGTERM, SIGINT) {}

  int Run() {
    Mark("supervisor");
    log::SetField("sandbox", options_.sandbox_id);
    auto started = Start();
    if (!started) {
      Cleanup();
      Report({{"ok", false}, {"error", started.error().message}});
      return 1;
    }
    asio::co_spawn(io_, HandleSignals(), asio::detached);
    asio::co_spawn(io_, mux_->RunUpstream(), asio::detached);
    asio::co_spawn(io_, Accept(), asio::detached);
    asio::co_spawn(io_, ttrpc::ServeAcceptor(*control_acceptor_, control_), asio::detached);
    asio::co_spawn(io_, AwaitAgent(), asio::detached);
    asio::co_spawn(io_, WatchState(), asio::detached);
    io_.run();
    Cleanup();
    log::Info("stopped: " + stop_reason_);
    return 0;
  }

 private:
  Result<> Start() {
    auto doc = store_->LoadItem(options_.sandbox_id, SandboxLayout::kSupervisorItem);
    if (!doc) return std::unexpected(doc.error().Wrap("supervisor spec"));
    try {
      spec_ = doc->get<SupervisorSpec>();
    } catch (const nlohmann::json::exception& e) {
      return Fail(ErrorCode::kInternal, std::string("supervisor spec: ") + e.what());
    }

    auto resources = resource::Manager::New(*store_, spec_.sandbox_id, spec_.resources);
    if (!resources) return std::unexpected(resources.error());
    resources_ = std::move(*resources);
    auto devices = resources_->BeforeBoot();
    if (!devices) return std::unexpected(devices.error());
    for (pid_t pid : resources_->Daemons()) daemon_pids_.push_back(pid);
    Mark("share-fs");

    auto hv = hypervisor::New(spec_.hypervisor.type);
    if (!hv) return std::unexpected(hv.error());
    hypervisor_ = std::move(*hv);
    // A rootless QEMU could not open /dev/vhost-vsock: its agent talks over virtio-serial.
    auto transport = agent::ChooseTransport(spec_.agent.transport,
                                            agent::VhostVsockUsable() && !spec_.hypervisor.rootless);
    if (!transport) return std::unexpected(transport.error());
    std::optional<uint32_t> vsock_cid;
    if (*transport == agent::Transport::kVsock) vsock_cid = RandomCid();
    auto guest_log = GuestLog::Open(io_.get_executor(), layout_.ConsoleLog());
    if (!guest_log) return std::unexpected(guest_log.error());
    guest_log_ = std::move(*guest_log);
    if (options_.guest_log_fd >= 0) guest_log_->MirrorTo(os::Fd(options_.guest_log_fd));
    devices->insert(devices->begin(),
                    hypervisor::ConsoleDevice{"console", layout_.ConsoleLog(), guest_log_->write_fd()});
    if (vsock_cid) devices->push_back(hypervisor::VsockDevice{"vsock", *vsock_cid});
    else devices->push_back(hypervisor::SerialPortDevice{"agent", layout_.AgentSocket(), agent::kSerialPortName});
    if (spec_.agent.debug_console) {
      auto port = PrepareDebugConsole(layout_, spec_.hypervisor);
      if (!port) return std::unexpected(port.error());
      devices->push_back(std::move(*port));
      log::Warn("the debug console is on: " + layout_.DebugConsoleSocket() + " opens a root shell in the guest");
    }
    if (!spec_.template_dir.empty()) {
      auto restored = RestoreVm(*devices);
      if (!restored) {
        log::Warn("booting instead of starting from the VM template: " + restored.error().message);
        auto fresh = hypervisor::New(spec_.hypervisor.type);
        if (!fresh) return std::unexpected(fresh.error());
        hypervisor_ = std::move(*fresh);
      }
    }
    if (!restored_) {
      for (const auto& device : *devices)
        if (auto r = hypervisor_->AddDevice(device); !r) return r;
      // Ours close once QEMU has its own descriptors (after Start).
      std::vector<resource::OpenedDisk> opened;
      for (const auto& disk : spec_.disks) {
        auto open = resource::OpenDisk(disk.path, disk.read_only, false);
        if (!open) return std::unexpected(open.error().Wrap("root disk"));
        const std::string id = "disk" + std::to_string(next_disk_++);
        const std::string& driver = spec_.hypervisor.block_device_driver;
        if (auto r = hypervisor_->AddDevice(resource::DeviceOf(id, disk.path, *open, disk.read_only, driver)); !r)
          return r;
        boot_disks_.push_back({disk.path, disk.read_only, {id, driver, "", open->fstype}, ""});
        opened.push_back(std::move(*open));
      }
      hypervisor::VmSpec vm{spec_.sandbox_id, spec_.hypervisor, layout_.QmpSocket(), layout_.QemuLog(), {}, ""};
      if (auto r = hypervisor_->Start(vm); !r) {
        // QEMU locks an image it writes; it names the disk by its fd set (the descriptor's number).
        for (size_t i = 0; i < opened.size(); ++i)
          if (r.error().message.find(" lock") != std::string::npos &&
              r.error().message.find("/dev/fdset/" + std::to_string(opened[i].fd.get()) + "]") != std::string::npos)
            return Fail(ErrorCode::kFailedPrecondition, boot_disks_[i].path +
                                                            " is in use by another VM or program (" +
                                                            r.error().message + ")");
        return std::unexpected(r.error().Wrap("start VM"));
      }
      Mark("vmm");
      for (auto& disk : boot_disks_) {
        auto address = hypervisor_->DeviceAddress(disk.disk.id);
        if (!address) return std::unexpected(address.error().Wrap("attach " + disk.path));
        disk.disk.address = *address;
        log::Info("disk " + disk.path + " cold-plugged as " + disk.disk.id + " (" + disk.disk.driver + " " + *address + ")");
      }
    }
    for (pid_t pid : hypervisor_->Pids()) vm_pids_.push_back(pid);
    // QEMU holds the console's write end now: its end is the pipe's end.
    guest_log_->CloseWriteEnd();
    guest_log_->Start();
    if (auto placed = PlaceVcpuThreads(); !placed) return placed;

    auto upstream = vsock_cid ? ConnectVsock(*vsock_cid) : ConnectSerial(layout_.AgentSocket());
    if (!upstream) return std::unexpected(upstream.error());
    log::Info(std::string("agent transport: ") + (vsock_cid ? "vsock" : "virtio-serial"));
    mux_ = std::make_unique<Mux>(std::make_shared<Conn>(std::move(*upstream)),
                                 [this] { Stop(VmGone() ? "the VM exited" : "agent channel closed"); });

    std::string client_path = layout_.ClientSocket();
    ::unlink(client_path.c_str());
    asio::error_code ec;
    acceptor_.emplace(io_);
    acceptor_->open();
    acceptor_->bind(asio::local::stream_protocol::endpoint(client_path), ec);
    if (ec) return Fail(ErrorCode::kUnavailable, "listen on " + client_path + ": " + ec.message());
    ::chmod(client_path.c_str(), 0600);
    acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Fail(ErrorCode::kUnavailable, "listen: " + ec.message());

    const std::string control_path = layout_.ControlSocket();
    ::unlink(control_path.c_str());
    control_acceptor_.emplace(io_);
    control_acceptor_->open();
    control_acceptor_->bind(asio::local::stream_protocol::endpoint(control_path), ec);
    if (ec) return Fail(ErrorCode::kUnavailable, "listen on " + control_path + ": " + ec.message());
    ::chmod(control_path.c_str(), 0600);
    control_acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Fail(ErrorCode::kUnavailable, "listen: " + ec.message());
    RegisterControl(control_, worker_,
                    {[this](const std::string& name) { return AddInterface(name); },
                     [this](const std::string& name) { return RemoveInterface(name); },
                     [this](const hypervisor::VmSize& want) { return GrowVm(want); },
                     [this](const std::string& path, bool read_only, bool raw) { return AddDisk(path, read_only, raw); },
                     [this](const std::string& id) { return RemoveDisk(id); },
                     [this](const std::string& path, uint64_t bytes) { return ResizeDisk(path, bytes); },
                     [this](const std::string& group) { return AddVfioGroup(group); },
                     [this](const std::string& group) { return RemoveVfioGroup(group); }});
    return {};
  }

  // A VM from the template: its devices (console, share, agent port) as the
  // template had them, its memory a copy-on-write mapping of the template's,
  // its state loaded; then the NICs hot-plugged. Undoes itself on failure.
  Result<> RestoreVm(const std::vector<hypervisor::Device>& devices) {
    std::vector<hypervisor::Device> later;
    for (const auto& device : devices)
      if (std::holds_alternative<hypervisor::NetDevice>(device)) later.push_back(device);
    if (later.size() > spec_.hypervisor.pcie_root_ports)
      return Fail(ErrorCode::kFailedPrecondition,
                  std::to_string(later.size()) + " NICs and " + std::to_string(spec_.hypervisor.pcie_root_ports) +
                      " PCIe slots to hot-plug them into (hypervisor.pcie_root_ports)");
    for (const auto& device : devices)
      if (!std::holds_alternative<hypervisor::NetDevice>(device))
        if (auto r = hypervisor_->AddDevice(device); !r) return r;
    // The template checked again under its lock, held until QEMU has loaded it.
    auto lock = factory::LockTemplate(options_.state_root, factory::LockMode::kShared);
    if (!lock) return std::unexpected(lock.error());
    auto found = factory::Find(options_.state_root, spec_.hypervisor);
    if (!found) return std::unexpected(found.error());
    const std::string& dir = *found;
    hypervisor::VmSpec vm{spec_.sandbox_id, spec_.hypervisor, layout_.QmpSocket(), layout_.QemuLog(),
                          hypervisor::MemoryFile{dir + "/memory", true}, dir + "/state"};
    if (auto r = hypervisor_->Start(vm); !r) return r;
    for (const auto& device : later)
      if (auto r = hypervisor_->AddDevice(device); !r) {
        (void)hypervisor_->Stop(0ms);
        return std::unexpected(r.error().Wrap("hot-plug into the restored VM"));
      }
    restored_ = true;
    Mark("restore");
    log::Info("VM started from the template in " + dir);
    return {};
  }

  // On the worker thread (the event loop never touches the VM's devices or
  // the resources after Start).
  Result<agent::GuestNetwork> AddInterface(const std::string& name) {
    auto added = resources_->AddNetworkInterface(name);
    if (!added) return std::unexpected(added.error());
    if (auto plugged = hypervisor_->AddDevice(added->device); !plugged) {
      (void)resources_->RemoveNetworkInterface(name);
      return std::unexpected(plugged.error());
    }
    log::Info("interface " + name + " hot-plugged as " + added->device.id);
    return added->guest;
  }

  Result<hypervisor::VmSize> GrowVm(const hypervisor::VmSize& want) {
    auto size = hypervisor_->Grow(want);
    if (!size) return size;
    log::Info("VM size " + std::to_string(size->vcpus) + " vCPUs, " + std::to_string(size->memory_mib) + " MiB");
    if (auto placed = PlaceVcpuThreads(); !placed) return std::unexpected(placed.error());
    return size;
  }

  // With sandbox_cgroup_only false, the vCPU threads (new ones too) go to the pod's cgroup.
  Result<> PlaceVcpuThreads() {
    if (!resources_->PlacesVcpuThreads()) return {};
    auto threads = hypervisor_->VcpuThreads();
    if (!threads) return std::unexpected(threads.error().Wrap("vCPU threads"));
    return resources_->PlaceVcpuThreads(*threads);
  }

  // The disk is checked and opened here; QEMU gets the descriptor, and
  // ours closes once it has it (a block device's exclusive claim stays with
  // QEMU's copy).
  Result<AttachedDisk> AddDisk(const std::string& path, bool read_only, bool raw) {
    auto opened = resource::OpenDisk(path, read_only, raw);
    if (!opened) return std::unexpected(opened.error());
    const std::string id = "disk" + std::to_string(next_disk_++);
    const std::string& driver = spec_.hypervisor.block_device_driver;
    if (auto plugged = hypervisor_->AddDevice(resource::DeviceOf(id, path, *opened, read_only, driver)); !plugged)
      return std::unexpected(plugged.error());
    auto address = hypervisor_->DeviceAddress(id);
    if (!address) {
      (void)hypervisor_->RemoveDevice(id);
      return std::unexpected(address.error().Wrap("attach " + path));
    }
    log::Info("disk " + path + " hot-plugged as " + id + " (" + driver + " " + *address + ")");
    return AttachedDisk{id, driver, *address, opened->fstype};
  }

  Result<> RemoveDisk(const std::string& id) {
    if (auto r = hypervisor_->RemoveDevice(id); !r) return r;
    log::Info("disk " + id + " hot-unplugged");
    return {};
  }

  Result<> ResizeDisk(const std::string& path, uint64_t bytes) {
    const hypervisor::BlockDevice* disk = nullptr;
    for (const auto& device : hypervisor_->devices())
      if (const auto* d = std::get_if<hypervisor::BlockDevice>(&device); d && d->path == path) disk = d;
    if (!disk) return Fail(ErrorCode::kNotFound, "the VM has no disk " + path);
    if (disk->read_only) return Fail(ErrorCode::kFailedPrecondition, "disk " + path + " is attached read-only");
    auto size = resource::DiskSize(path);
    if (!size) return std::unexpected(size.error());
    if (bytes < *size)
      return Fail(ErrorCode::kInvalidArgument, "disk " + path + " has " + std::to_string(*size) +
                                                   " bytes: a volume grows, it is not shrunk");
    if (auto r = hypervisor_->ResizeDisk(disk->id, bytes); !r) return r;
    log::Info("disk " + path + " (" + disk->id + ") resized to " + std::to_string(bytes) + " bytes");
    return {};
  }

  // A group is bound and plugged for its first user; later ones share it.
  Result<std::vector<std::string>> AddVfioGroup(const std::string& group) {
    if (auto known = vfio_.find(group); known != vfio_.end()) {
      ++known->second.users;
      return known->second.addresses;
    }
    auto devices = resources_->AddVfioGroup(group);
    if (!devices) return std::unexpected(devices.error());
    VfioUse use;
    auto undo = [&] {
      for (auto id = use.ids.rbegin(); id != use.ids.rend(); ++id) (void)hypervisor_->RemoveDevice(*id);
      if (auto released = resources_->RemoveVfioGroup(group); !released) log::Warn(released.error().message);
    };
    for (const auto& device : *devices) {
      if (auto plugged = hypervisor_->AddDevice(device); !plugged) {
        undo();
        return std::unexpected(plugged.error());
      }
      use.ids.push_back(device.id);
      auto address = hypervisor_->DeviceAddress(device.id);
      if (!address) {
        undo();
        return std::unexpected(address.error().Wrap("pass PCI device " + device.address + " through"));
      }
      use.addresses.push_back(*address);
      log::Info("PCI device " + device.address + " (IOMMU group " + group + ") hot-plugged as " + device.id + " at " +
                *address);
    }
    vfio_[group] = use;
    return use.addresses;
  }

  Result<> RemoveVfioGroup(const std::string& group) {
    auto use = vfio_.find(group);
    if (use == vfio_.end()) return Fail(ErrorCode::kNotFound, "the VM has no IOMMU group " + group);
    if (--use->second.users > 0) return {};
    for (auto& ids = use->second.ids; !ids.empty(); ids.pop_back())
      if (auto r = hypervisor_->RemoveDevice(ids.back()); !r) {
        ++use->second.users;
        return r;
      }
    vfio_.erase(use);
    log::Info("IOMMU group " + group + " hot-unplugged");
    return resources_->RemoveVfioGroup(group);
  }

  Result<> RemoveInterface(const std::string& name) {
    auto id = resources_->NetworkDeviceIdOf(name);
    if (!id) return std::unexpected(id.error());
    if (auto r = hypervisor_->RemoveDevice(*id); !r) return r;
    log::Info("interface " + name + " (" + *id + ") hot-unplugged");
    return resources_->RemoveNetworkInterface(name);
  }

  // QEMU listens on the host end of the virtio-serial port from its start.
  Result<Socket> ConnectSerial(const std::string& path) {
    Socket socket(io_);
    asio::error_code ec;
    socket.connect(asio::local::stream_protocol::endpoint(path), ec);
    if (ec) return Fail(ErrorCode::kUnavailable, "connect to agent channel " + path + ": " + ec.message());
    return socket;
  }

  // The guest listens on vsock only once it has booted: retry until then.
  Result<Socket> ConnectVsock(uint32_t cid) {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(spec_.agent.start_timeout_ms);
    sockaddr_vm addr{};
    addr.svm_family = AF_VSOCK;
    addr.svm_cid = cid;
    addr.svm_port = agent::kVsockPort;
    for (;;) {
      os::Fd fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (!fd) return os::FailErrno("vsock socket");
      if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        Socket socket(io_);
        socket.assign(asio::local::stream_protocol(), fd.release());
        return socket;
      }
      for (pid_t pid : vm_pids_)
        if (!os::Alive(pid)) return Fail(ErrorCode::kUnavailable, "the VM exited");
      if (std::chrono::steady_clock::now() > deadline)
        return Fail(ErrorCode::kDeadlineExceeded,
                    "the agent did not accept on vsock " + std::to_string(cid) + ":" +
                        std::to_string(agent::kVsockPort));
      std::this_thread::sleep_for(50ms);
    }
  }

  // Guest CIDs are host-wide; a random one in [3, 2^31) rarely collides.
  static uint32_t RandomCid() {
    std::random_device rd;
    return 3 + rd() % 0x7ffffff0u;
  }

  // Asks the agent for a health check until it answers (the guest is booting),
  // then reports success to whoever started us.
  asio::awaitable<void> AwaitAgent() {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(spec_.agent.start_timeout_ms);
    // Shared with callbacks that may fire after this coroutine ended (late
    // answers to earlier attempts, cancelled timers).
    struct Attempt {
      explicit Attempt(asio::any_io_executor ex) : answered(ex), timer(ex) {}
      std::optional<std::string> kernel;
      std::vector<Moment> guest;
      os::Notifier answered;
      asio::steady_timer timer;
    };
    auto state = std::make_shared<Attempt>(io_.get_executor());
    ttrpc::Request check;
    check.set_service(agent::kServiceName);
    check.set_method("Check");
    check.set_payload(agent::v1::Empty{}.SerializeAsString());
    const std::string bytes = check.SerializeAsString();
    while (!state->kernel && !stopping_) {
      if (std::chrono::steady_clock::now() > deadline) {
        Stop("the agent did not answer within " +
             std::to_string(spec_.agent.start_timeout_ms) + " ms");
        co_return;
      }
      mux_->CallInternal(bytes, [state](ttrpc::Frame frame) {
        ttrpc::Response response;
        agent::v1::CheckResponse info;
        if (response.ParseFromString(frame.payload) && response.status().code() == 0 &&
            info.ParseFromString(response.payload())) {
          state->kernel = info.kernel_release();
          state->guest = GuestMoments(MonotonicNs(), info.uptime_usec(), info.agent_start_uptime_usec());
        }
        state->answered.Notify();
      });
      // Often: a request the guest missed (a restored VM reconnecting) costs no more than this.
      state->timer.expires_after(100ms);
      state->timer.async_wait([state](const asio::error_code&) { state->answered.Notify(); });
      co_await state->answered.Wait();
    }
    if (!state->kernel) co_return;
    // A restored guest's clock counts from the template's boot.
    if (!restored_)
      for (const auto& m : state->guest) Mark(m.phase, m.mono_ns);
    Mark("agent-ready");
    log::Info("agent ready, guest kernel " + *state->kernel);
    nlohmann::json report = {{"ok", true},
                             {"hypervisor", hypervisor_->Save()},
                             {"accel", hypervisor_->Accelerator()},
                             {"guest_kernel", *state->kernel},
                             {"guest_mounts", nlohmann::json::array()},
                             {"disks", boot_disks_},
                             {"supervisor_pid", ::getpid()},
                             {"timeline", timeline_}};
    for (const auto& m : resources_->GuestMounts())
      report["guest_mounts"].push_back(
          {{"tag", m.tag}, {"guest_path", m.guest_path}, {"fstype", m.fstype}, {"options", m.options}});
    auto net = resources_->GuestNetwork();
    report["guest_network"] = {{"interfaces", net.interfaces}, {"routes", net.routes}, {"neighbors", net.neighbors}};
    Report(report);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_->async_accept(vc::kTuple);
      if (ec) co_return;
      asio::co_spawn(io_, mux_->ServeClient(std::make_shared<Conn>(std::move(socket))),
                     asio::detached);
    }
  }

  // A sandbox whose record or client socket is gone (its caller died and its
  // state root was cleaned away) can be reached by no call: rather than keep
  // its VM forever, the supervisor stops it.
  asio::awaitable<void> WatchState() {
    os::Fd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd || ::inotify_add_watch(fd.get(), layout_.dir.c_str(),
                                   IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
      log::Warn("cannot watch " + layout_.dir + ": " + std::strerror(errno));
      co_return;
    }
    asio::posix::stream_descriptor events(io_, fd.release());
    alignas(inotify_event) char buffer[4096];
    for (;;) {
      auto [ec, n] = co_await events.async_read_some(asio::buffer(buffer), vc::kTuple);
      if (ec) co_return;
      if (!os::Exists(layout_.StateFile()) || !os::Exists(layout_.ClientSocket())) {
        Stop("its state in " + layout_.dir + " was removed: no call can reach the sandbox");
        co_return;
      }
    }
  }

  asio::awaitable<void> HandleSignals() {
    for (;;) {
      auto [ec, signal] = co_await signals_.async_wait(vc::kTuple);
      if (ec) co_return;
      if (signal != SIGCHLD) {
        Stop("signal " + std::to_string(signal));
        continue;
      }
      int status;
      for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
        if (auto d = std::find(daemon_pids_.begin(), daemon_pids_.end(), pid); d != daemon_pids_.end()) {
          daemon_pids_.erase(d);
          Stop("a resource daemon (pid " + std::to_string(pid) + ") exited");
        } else if (std::find(vm_pids_.begin(), vm_pids_.end(), pid) != vm_pids_.end()) {
          vm_pids_.clear();
          Stop("the VM exited");
        }
      }
    }
  }

  // QEMU closes its sockets while exiting, a moment before it is gone.
  bool VmGone() const {
    for (pid_t pid : vm_pids_) {
      auto gone = os::WaitGone(pid, 1s);
      if (gone && *gone) return true;
    }
    return false;
  }

  // What the guest console says about an early death: the panic line if
  // there is one, else its last lines.
  std::string ConsoleSummary() const {
    if (guest_log_) guest_log_->Drain();
    std::string path = layout_.ConsoleLog();
    auto text = os::ReadFile(path);
    if (text) {
      size_t panic = text->find("Kernel panic");
      if (panic != std::string::npos) return text->substr(panic, text->find('\n', panic) - panic);
    }
    return os::TailLines(path, 5);
  }

  void Stop(const std::string& reason) {
    if (stopping_) return;
    stopping_ = true;
    stop_reason_ = reason;
    if (!reported_) {
      std::string detail = ConsoleSummary();
      Report({{"ok", false},
              {"error", "sandbox start failed: " + reason + (detail.empty() ? "" : "; guest console: " + detail)}});
    }
    io_.stop();
  }

  void Cleanup() {
    worker_.Join();
    if (hypervisor_) (void)hypervisor_->Stop(3s);
    for (pid_t pid : vm_pids_) ::waitpid(pid, nullptr, WNOHANG);
    if (resources_) resources_->Cleanup();
    for (const auto& socket : {layout_.ClientSocket(), layout_.ControlSocket(), layout_.AgentSocket(), layout_.QmpSocket()})
      ::unlink(socket.c_str());
  }

  // The moments of the start, reported to the library (os/timeline.h).
  void Mark(const std::string& phase, int64_t mono_ns = MonotonicNs()) {
    timeline_.push_back({{"phase", phase}, {"mono_ns", mono_ns}});
  }

  void Report(const nlohmann::json& result) {
    if (reported_ || options_.status_fd < 0) return;
    reported_ = true;
    (void)os::WriteAll(options_.status_fd, result.dump() + "\n");
    ::close(options_.status_fd);
  }

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

}  // namespace

int Run(const Options& options) { return Supervisor(options).Run(); }

}  // namespace vc::supervisor

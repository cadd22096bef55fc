// vc-supervisor's life: its start (resources, the VM booted or restored),
// its stop and cleanup, and the start report to the library.
#include "supervisor/supervisor_internal.h"

namespace vc::supervisor {

using namespace std::chrono_literals;

int Supervisor::Run() {
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

Result<> Supervisor::Start() {
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

Result<> Supervisor::RestoreVm(const std::vector<hypervisor::Device>& devices) {
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

void Supervisor::Stop(const std::string& reason) {
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

void Supervisor::Cleanup() {
  worker_.Join();
  if (hypervisor_) (void)hypervisor_->Stop(3s);
  for (pid_t pid : vm_pids_) ::waitpid(pid, nullptr, WNOHANG);
  if (resources_) resources_->Cleanup();
  for (const auto& socket : {layout_.ClientSocket(), layout_.ControlSocket(), layout_.AgentSocket(), layout_.QmpSocket()})
    ::unlink(socket.c_str());
}

void Supervisor::Mark(const std::string& phase, int64_t mono_ns) {
  timeline_.push_back({{"phase", phase}, {"mono_ns", mono_ns}});
}

void Supervisor::Report(const nlohmann::json& result) {
  if (reported_ || options_.status_fd < 0) return;
  reported_ = true;
  (void)os::WriteAll(options_.status_fd, result.dump() + "\n");
  ::close(options_.status_fd);
}

int Run(const Options& options) { return Supervisor(options).Run(); }

}  // namespace vc::supervisor

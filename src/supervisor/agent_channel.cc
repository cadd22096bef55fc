// The agent channel (virtio-serial or vsock) and its clients, the first
// health check that ends the start, and what ends the supervisor: the VM's
// death, its state removed, signals.
#include "supervisor/supervisor_internal.h"

namespace vc::supervisor {

using namespace std::chrono_literals;

Result<Socket> Supervisor::ConnectSerial(const std::string& path) {
  Socket socket(io_);
  asio::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(path), ec);
  if (ec) return Fail(ErrorCode::kUnavailable, "connect to agent channel " + path + ": " + ec.message());
  return socket;
}

Result<Socket> Supervisor::ConnectVsock(uint32_t cid) {
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

uint32_t Supervisor::RandomCid() {
  std::random_device rd;
  return 3 + rd() % 0x7ffffff0u;
}

asio::awaitable<void> Supervisor::AwaitAgent() {
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

asio::awaitable<void> Supervisor::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_->async_accept(vc::kTuple);
    if (ec) co_return;
    asio::co_spawn(io_, mux_->ServeClient(std::make_shared<Conn>(std::move(socket))),
                   asio::detached);
  }
}

asio::awaitable<void> Supervisor::WatchState() {
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

asio::awaitable<void> Supervisor::HandleSignals() {
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

bool Supervisor::VmGone() const {
  for (pid_t pid : vm_pids_) {
    auto gone = os::WaitGone(pid, 1s);
    if (gone && *gone) return true;
  }
  return false;
}

std::string Supervisor::ConsoleSummary() const {
  if (guest_log_) guest_log_->Drain();
  std::string path = layout_.ConsoleLog();
  auto text = os::ReadFile(path);
  if (text) {
    size_t panic = text->find("Kernel panic");
    if (panic != std::string::npos) return text->substr(panic, text->find('\n', panic) - panic);
  }
  return os::TailLines(path, 5);
}

}  // namespace vc::supervisor

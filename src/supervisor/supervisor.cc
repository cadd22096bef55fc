#include "supervisor/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vm_sockets.h>
#include <sys/socket.h>

#include <chrono>
#include <random>
#include <iostream>
#include <optional>
#include <thread>

#include "agent.pb.h"
#include "agent/transport.h"
#include "hypervisor/hypervisor.h"
#include "os/error.h"
#include "os/file.h"
#include "os/notifier.h"
#include "os/process.h"
#include "persist/store.h"
#include "sandbox/record.h"
#include "supervisor/mux.h"
#include "ttrpc.pb.h"

namespace vc::supervisor {

namespace {

using namespace std::chrono_literals;

void Log(const std::string& line) { std::cerr << "vc-supervisor: " << line << std::endl; }

Result<> WaitForSocket(const std::string& path, pid_t owner, const std::string& who,
                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!os::Exists(path)) {
    if (!os::Alive(owner)) return Fail(ErrorCode::kUnavailable, who + " exited during start");
    if (std::chrono::steady_clock::now() > deadline)
      return Fail(ErrorCode::kDeadlineExceeded, who + " did not create " + path);
    std::this_thread::sleep_for(5ms);
  }
  return {};
}

class Supervisor {
 public:
  explicit Supervisor(const Options& o)
      : options_(o), store_(persist::NewFsStore(o.state_root)), dir_(store_->SandboxDir(o.sandbox_id)),
        signals_(io_, SIGCHLD, SIGTERM, SIGINT) {}

  int Run() {
    auto started = Start();
    if (!started) {
      Cleanup();
      Report({{"ok", false}, {"error", started.error().message}});
      return 1;
    }
    asio::co_spawn(io_, HandleSignals(), asio::detached);
    asio::co_spawn(io_, mux_->RunUpstream(), asio::detached);
    asio::co_spawn(io_, Accept(), asio::detached);
    asio::co_spawn(io_, AwaitAgent(), asio::detached);
    io_.run();
    Cleanup();
    Log("stopped: " + stop_reason_);
    return 0;
  }

 private:
  Result<> Start() {
    auto doc = store_->Load(options_.sandbox_id);
    if (!doc) return std::unexpected(doc.error());
    auto record = SandboxRecordFromJson(*doc);
    if (!record) return std::unexpected(record.error());
    config_ = record->config;

    if (auto r = ShareDirectory(); !r) return r;
    if (auto r = StartVirtiofsd(); !r) return r;

    auto hv = hypervisor::New(config_.hypervisor.type);
    if (!hv) return std::unexpected(hv.error());
    hypervisor_ = std::move(*hv);
    hypervisor::VmSpec spec;
    spec.sandbox_id = config_.id;
    spec.run_dir = dir_;
    spec.config = config_.hypervisor;
    spec.agent_socket = dir_ + "/" + kAgentSocket;
    spec.virtiofs_socket = dir_ + "/" + kVirtiofsSocket;
    spec.virtiofs_tag = kVirtiofsTag;
    auto transport = agent::ChooseTransport(config_.agent.transport, agent::VhostVsockUsable());
    if (!transport) return std::unexpected(transport.error());
    if (*transport == agent::Transport::kVsock) spec.vsock_cid = RandomCid();
    if (auto r = hypervisor_->Start(spec); !r) return std::unexpected(r.error().Wrap("start VM"));
    for (pid_t pid : hypervisor_->Pids()) vm_pids_.push_back(pid);

    auto upstream = spec.vsock_cid ? ConnectVsock(*spec.vsock_cid) : ConnectSerial(spec.agent_socket);
    if (!upstream) return std::unexpected(upstream.error());
    Log(std::string("agent transport: ") + (spec.vsock_cid ? "vsock" : "virtio-serial"));
    mux_ = std::make_unique<Mux>(std::make_shared<Conn>(std::move(*upstream)),
                                 [this] { Stop(VmGone() ? "the VM exited" : "agent channel closed"); });

    std::string client_path = dir_ + "/" + kClientSocket;
    ::unlink(client_path.c_str());
    asio::error_code ec;
    acceptor_.emplace(io_);
    acceptor_->open();
    acceptor_->bind(asio::local::stream_protocol::endpoint(client_path), ec);
    if (ec) return Fail(ErrorCode::kUnavailable, "listen on " + client_path + ": " + ec.message());
    ::chmod(client_path.c_str(), 0600);
    acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Fail(ErrorCode::kUnavailable, "listen: " + ec.message());
    return {};
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
                    std::chrono::milliseconds(config_.agent.start_timeout_ms);
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

  // The shared directory is a bind mount of itself with shared propagation,
  // so container roots bound under it later also appear in virtiofsd's
  // private mount namespace (a slave of ours).
  Result<> ShareDirectory() {
    shared_ = dir_ + "/" + kSharedDir;
    if (auto r = os::MakeDirs(shared_, 0700); !r) return r;
    if (::mount(shared_.c_str(), shared_.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return os::FailErrno("bind " + shared_);
    shared_mounted_ = true;
    if (::mount(nullptr, shared_.c_str(), nullptr, MS_SHARED, nullptr) != 0)
      return os::FailErrno("make " + shared_ + " shared");
    return {};
  }

  Result<> StartVirtiofsd() {
    std::string log = dir_ + "/virtiofsd.log";
    os::Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!log_fd) return os::FailErrno("open " + log);
    const std::string& binary = config_.hypervisor.virtiofsd_path;
    if (::access(binary.c_str(), X_OK) != 0)
      return Fail(ErrorCode::kUnavailable,
                  "virtiofsd not found at " + binary + ": install qemu-system-x86 (scripts/setup.sh)");
    std::string socket = dir_ + "/" + kVirtiofsSocket;
    ::unlink(socket.c_str());
    os::SpawnOptions spawn;
    spawn.argv = {binary, "--socket-path=" + socket, "-o", "source=" + shared_, "-o",
                  "cache=auto", "-o", "announce_submounts", "--thread-pool-size=1"};
    spawn.stdout_fd = spawn.stderr_fd = log_fd.get();
    auto pid = os::Spawn(spawn);
    if (!pid) return std::unexpected(pid.error().Wrap("start virtiofsd"));
    virtiofsd_pid_ = *pid;
    if (auto r = WaitForSocket(socket, virtiofsd_pid_, "virtiofsd", 10s); !r) {
      std::string said = os::TailLines(log, 3);
      return Fail(r.error().code, r.error().message + (said.empty() ? "" : ": " + said));
    }
    return {};
  }

  // Asks the agent for a health check until it answers (the guest is booting),
  // then reports success to whoever started us.
  asio::awaitable<void> AwaitAgent() {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(config_.agent.start_timeout_ms);
    // Shared with callbacks that may fire after this coroutine ended (late
    // answers to earlier attempts, cancelled timers).
    struct Attempt {
      explicit Attempt(asio::any_io_executor ex) : answered(ex), timer(ex) {}
      std::optional<std::string> kernel;
      os::Notifier answered;
      asio::steady_timer timer;
    };
    auto state = std::make_shared<Attempt>(io_.get_executor());
    ttrpc::Request check;
    check.set_service("vc.agent.v1.AgentService");
    check.set_method("Check");
    check.set_payload(agent::v1::Empty{}.SerializeAsString());
    const std::string bytes = check.SerializeAsString();
    while (!state->kernel && !stopping_) {
      if (std::chrono::steady_clock::now() > deadline) {
        Stop("the agent did not answer within " +
             std::to_string(config_.agent.start_timeout_ms) + " ms");
        co_return;
      }
      mux_->CallInternal(bytes, [state](ttrpc::Frame frame) {
        ttrpc::Response response;
        agent::v1::CheckResponse info;
        if (response.ParseFromString(frame.payload) && response.status().code() == 0 &&
            info.ParseFromString(response.payload()))
          state->kernel = info.kernel_release();
        state->answered.Notify();
      });
      state->timer.expires_after(1s);
      state->timer.async_wait([state](const asio::error_code&) { state->answered.Notify(); });
      co_await state->answered.Wait();
    }
    if (!state->kernel) co_return;
    Log("agent ready, guest kernel " + *state->kernel);
    nlohmann::json report = {{"ok", true},
                             {"hypervisor", hypervisor_->Save()},
                             {"accel", hypervisor_->Accelerator()},
                             {"guest_kernel", *state->kernel},
                             {"supervisor_pid", ::getpid()}};
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
        if (pid == virtiofsd_pid_) {
          virtiofsd_pid_ = 0;
          Stop("virtiofsd exited");
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
    std::string path = dir_ + "/console.log";
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
    if (hypervisor_) (void)hypervisor_->Stop(3s);
    for (pid_t pid : vm_pids_) ::waitpid(pid, nullptr, WNOHANG);
    if (virtiofsd_pid_ > 0) os::Terminate(virtiofsd_pid_, 2s);
    for (const char* name : {kClientSocket, kAgentSocket, kVirtiofsSocket, "qmp.sock"})
      ::unlink((dir_ + "/" + name).c_str());
    if (shared_mounted_ && ::umount2(shared_.c_str(), MNT_DETACH) != 0)
      Log("unmount " + shared_ + ": " + std::strerror(errno));
  }

  void Report(const nlohmann::json& result) {
    if (reported_ || options_.status_fd < 0) return;
    reported_ = true;
    (void)os::WriteAll(options_.status_fd, result.dump() + "\n");
    ::close(options_.status_fd);
  }

  Options options_;
  std::unique_ptr<persist::Store> store_;
  std::string dir_;
  SandboxConfig config_;
  asio::io_context io_;
  asio::signal_set signals_;
  std::optional<asio::local::stream_protocol::acceptor> acceptor_;
  std::unique_ptr<hypervisor::Hypervisor> hypervisor_;
  std::unique_ptr<Mux> mux_;
  std::vector<pid_t> vm_pids_;
  pid_t virtiofsd_pid_ = 0;
  std::string shared_;
  bool shared_mounted_ = false;
  bool stopping_ = false;
  bool reported_ = false;
  std::string stop_reason_;
};

}  // namespace

int Run(const Options& options) { return Supervisor(options).Run(); }

}  // namespace vc::supervisor

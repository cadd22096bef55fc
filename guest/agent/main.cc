// vc-agent: PID 1 of the guest. Sets the guest up, then serves the agent API
// on the virtio-serial port named agent::kSerialPortName until told to power off.
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/asio.h"
#include <cstring>

#include "protocol/agent.h"
#include "console.h"
#include "init.h"
#include "network.h"
#include "service.h"
#include "ttrpc/server.h"

namespace {

using vc::agent::Log;

[[noreturn]] void Fatal(const std::string& what) {
  Log("fatal: " + what);
  if (::getpid() == 1) vc::agent::PowerOff();
  std::exit(1);
}

// Reaps every exited child (containers, the debug console's shell, and
// orphans PID 1 inherits).
asio::awaitable<void> Reap(asio::signal_set& signals, vc::agent::Containers& containers,
                           vc::agent::DebugConsole& console) {
  for (;;) {
    co_await signals.async_wait(asio::use_awaitable);
    int status;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      containers.OnExit(pid, status);
      console.OnExit(pid, status);
    }
  }
}

// Serves the host over the port; when the host side disconnects, the port
// reads EOF, so wait a little and open it afresh for the next connection.
asio::awaitable<void> ServePort(std::string path, const vc::ttrpc::MethodTable& table) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer pause(ex);
  for (;;) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) Fatal("open " + path + ": " + std::strerror(errno));
    auto conn = std::make_shared<vc::ttrpc::FramedStream<asio::posix::stream_descriptor>>(
        asio::posix::stream_descriptor(ex, fd));
    co_await vc::ttrpc::ServeConnection(conn, table);
    conn->Close();
    pause.expires_after(std::chrono::milliseconds(20));
    co_await pause.async_wait(vc::kTuple);
  }
}


// Accepts host connections on AF_VSOCK port 1024, each served on its own.
asio::awaitable<void> ServeVsock(const vc::ttrpc::MethodTable& table) {
  auto ex = co_await asio::this_coro::executor;
  using Vsock = asio::generic::stream_protocol;
  sockaddr_vm addr{};
  addr.svm_family = AF_VSOCK;
  addr.svm_cid = VMADDR_CID_ANY;
  addr.svm_port = vc::agent::kVsockPort;
  asio::basic_socket_acceptor<Vsock> acceptor(ex);
  asio::error_code ec;
  acceptor.open(Vsock(AF_VSOCK, 0), ec);
  if (!ec) acceptor.bind(Vsock::endpoint(&addr, sizeof addr), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    Log("vsock listen: " + ec.message());
    co_return;
  }
  co_await vc::ttrpc::ServeAcceptor(acceptor, table);
}

}  // namespace

int main() {
  vc::agent::RecordAgentStart();
  if (::getpid() == 1) {
    // Modules load from the initramfs; then it is left behind for a tmpfs root.
    Log("started");
    auto loaded = vc::agent::LoadModules("/etc/modules.order");
    if (!loaded) Fatal(loaded.error().message);
    Log("loaded " + std::to_string(*loaded) + " modules");
    auto net_modules = vc::agent::ReadModules("/etc/modules.net");
    if (!net_modules) Fatal(net_modules.error().message);
    if (auto r = vc::agent::LeaveInitramfs(); !r) Fatal(r.error().message);
    if (auto r = vc::agent::MountBaseFilesystems(); !r) Fatal(r.error().message);
    // Containers share the guest's network namespace, as a pod's do.
    if (auto r = vc::agent::BringUpLoopback(); !r) Fatal("loopback: " + r.error().message);
    vc::agent::KeepNetModules(std::move(*net_modules));
    if (vc::agent::HasVirtioNet()) {
      if (auto r = vc::agent::LoadNetModules(); !r) Fatal(r.error().message);
      Log("loaded the network modules");
    }
  }
  ::signal(SIGPIPE, SIG_IGN);

  asio::io_context io;
  vc::agent::AgentService service(io);
  vc::ttrpc::MethodTable table;
  service.Register(table);

  vc::agent::DebugConsole console(io.get_executor());
  asio::signal_set sigchld(io, SIGCHLD);
  asio::co_spawn(io, Reap(sigchld, service.containers(), console), asio::detached);
  if (vc::agent::DebugConsoleRequested()) asio::co_spawn(io, console.Serve(), asio::detached);

  auto channels = vc::agent::FindChannels(vc::agent::kSerialPortName, 10000);
  if (!channels) Fatal(channels.error().message);
  if (!channels->serial_port.empty()) {
    Log("serving on " + channels->serial_port);
    asio::co_spawn(io, ServePort(channels->serial_port, table), asio::detached);
  }
  if (channels->vsock) {
    Log("serving on vsock port " + std::to_string(vc::agent::kVsockPort));
    asio::co_spawn(io, ServeVsock(table), asio::detached);
  }
  io.run();
  Fatal("event loop ended");
}

#include "shim/lifecycle.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "os/error.h"
#include "os/file.h"
#include "os/process.h"
#include "oci/annotations.h"
#include "oci/spec.h"
#include "os/socket.h"
#include "shim/address.h"
#include "shim/bundle.h"
#include "os/log.h"
#include "shim/rootfs.h"
#include "shim/service.h"
#include "shim/tasks.h"
#include "vc/vc.h"

namespace vc::shim {

namespace {

// The listening socket `start` hands to the serving shim.
constexpr int kListenFd = 3;

std::string SelfPath() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  return n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string();
}

// Guest assets next to the binary: <bin>/../guest (as in the build tree).
std::string DefaultGuestDir() {
  return (std::filesystem::path(SelfPath()).parent_path().parent_path() / "guest").string();
}

std::string WorkingDir() {
  std::error_code ec;
  return std::filesystem::current_path(ec).string();
}

int Failed(const std::string& what, const Error& e) {
  std::cerr << "containerd-shim-vc-v2: " << what << ": " << e.message << std::endl;
  return 1;
}

bool Reachable(const std::string& address) { return os::ConnectUnix(address).has_value(); }

// containerd reads the address from our output, and from <bundle>/address
// when it reconnects after a restart.
int Announce(const std::string& bundle, const std::string& address) {
  if (auto ok = os::WriteFileAtomic(bundle + "/address", address, 0644); !ok)
    return Failed("write address file", ok.error());
  std::cout << address << std::flush;
  return 0;
}

}  // namespace

int StartShim(const Args& args) {
  // containerd may write the runtime options on stdin; Create carries them too.
  std::string ignored((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  const std::string bundle = WorkingDir();
  auto spec = oci::LoadBundle(bundle);
  if (!spec) return Failed("read the OCI bundle", spec.error());
  const std::string sandbox = oci::SandboxOf(args.id, spec->annotations);
  const std::string address = SocketAddress(args.address, args.ns, sandbox);
  if (sandbox != args.id) {
    // A pod member: served by its sandbox's shim, in its VM.
    if (!Reachable(address))
      return Failed("container " + args.id,
                    Error{ErrorCode::kNotFound, "its sandbox " + sandbox + " has no running shim"});
    return Announce(bundle, address);
  }
  if (Reachable(address)) return Announce(bundle, address);

  if (auto ok = os::MakeDirs(kSocketDir, 0711); !ok) return Failed("create " + std::string(kSocketDir), ok.error());
  auto listener = os::ListenUnix(address);
  if (!listener) return Failed("listen", listener.error());
  ::chmod(SocketPath(address).c_str(), 0600);
  if (::dup2(listener->get(), kListenFd) < 0)
    return Failed("listen", os::ErrnoError("place the socket at fd 3"));
  os::SpawnOptions spawn;
  spawn.argv = {SelfPath()};
  for (auto& a : ServeArgs(args)) spawn.argv.push_back(a);
  spawn.keep_fds = {kListenFd};
  spawn.die_with_parent = false;
  spawn.new_session = true;  // outlives us; stdio is /dev/null, not containerd's pipe
  auto pid = os::Spawn(spawn);
  if (!pid) {
    ::unlink(SocketPath(address).c_str());
    return Failed("launch the shim", pid.error());
  }
  return Announce(bundle, address);
}

int DeleteShim(const Args& args) {
  const std::string bundle = args.bundle.empty() ? WorkingDir() : args.bundle;
  auto record = ReadBundleRecord(bundle);
  if (record) {
    Runtime runtime({record->state_root, ""});
    if (record->sandbox_id == args.id) {
      (void)runtime.StopSandbox(args.id);
      if (auto r = runtime.DeleteSandbox(args.id); !r && r.error().code != ErrorCode::kNotFound)
        std::cerr << "delete sandbox " << args.id << ": " << r.error().message << std::endl;
    } else {
      (void)runtime.StopContainer(record->sandbox_id, args.id);
      (void)runtime.DeleteContainer(record->sandbox_id, args.id);
    }
  } else if (record.error().code != ErrorCode::kNotFound) {
    std::cerr << "containerd-shim-vc-v2: " << record.error().message << std::endl;
  }
  if (auto r = UnmountRootfs(bundle + "/rootfs"); !r) return Failed("unmount the rootfs", r.error());
  // The socket of a shim that died with this container as its sandbox.
  const std::string address = SocketAddress(args.address, args.ns, args.id);
  if (!Reachable(address)) ::unlink(SocketPath(address).c_str());
  std::cout << EncodeDeleteResponse(0, Exit{128 + SIGKILL, Clock::now()}) << std::flush;
  return 0;
}

int ServeShim(const Args& args) {
  log::SetDebug(args.debug);
  log::SetField("runtime", "io.containerd.vc.v2");
  log::SetField("sandbox", args.id);
  // Our log goes to the bundle's `log` FIFO, which containerd reads.
  if (int log = ::open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC); log >= 0) {
    ::dup2(log, STDERR_FILENO);
    ::close(log);
  }
  ::signal(SIGPIPE, SIG_IGN);
  struct stat st {};
  if (::fstat(kListenFd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    log::Error("no listening socket on fd 3: this mode is started by `start`");
    return 1;
  }
  ::fcntl(kListenFd, F_SETFD, FD_CLOEXEC);

  asio::io_context io(1);
  const char* ttrpc = std::getenv("TTRPC_ADDRESS");
  Publisher events(io.get_executor(), ttrpc ? ttrpc : "", args.ns);
  Tasks tasks(io.get_executor(), events, DefaultGuestDir());
  asio::local::stream_protocol::acceptor acceptor(io, asio::local::stream_protocol(), kListenFd);
  const std::string socket_path = acceptor.local_endpoint().path();

  auto stop = [&] {
    // Let the Shutdown reply and the last events leave first.
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      co_await events.Flush();
      asio::steady_timer pause(io, std::chrono::milliseconds(50));
      co_await pause.async_wait(vc::kTuple);
      asio::error_code ignored;
      acceptor.close(ignored);
      io.stop();
    }, asio::detached);
  };
  ttrpc::MethodTable methods;
  RegisterTaskService(methods, tasks, stop);
  // Told to go (SIGTERM, SIGINT): take the VM and the mounts along.
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const asio::error_code& ec, int signal) {
    if (ec) return;
    log::Info("signal " + std::to_string(signal) + ": stopping every sandbox of this shim");
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      co_await tasks.Teardown();
      stop();
    }, asio::detached);
  });

  asio::co_spawn(io, ttrpc::ServeAcceptor(acceptor, methods), asio::detached);
  log::Info("serving " + args.id + " on " + socket_path);
  io.run();
  ::unlink(socket_path.c_str());
  log::Info("shim for " + args.id + " exits");
  return 0;
}

}  // namespace vc::shim

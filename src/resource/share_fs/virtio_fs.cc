#include "resource/share_fs/virtio_fs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "os/mount.h"
#include "os/process.h"

namespace vc::resource {

namespace {

using namespace std::chrono_literals;
constexpr auto kDaemonStartLimit = 10s;

}  // namespace

Result<std::unique_ptr<ShareFs>> VirtioFs::Restore(const SandboxLayout& layout, const nlohmann::json& state) {
  auto fs = std::make_unique<VirtioFs>(layout, state.value("daemon_path", std::string()));
  fs->dir_.Restore(state);
  fs->pid_ = state.value("pid", 0);
  return fs;
}

nlohmann::json VirtioFs::Save() const {
  nlohmann::json state = {{"kind", kKind}, {"daemon_path", daemon_path_}, {"pid", pid_}};
  dir_.SaveInto(state);
  return state;
}

Result<std::vector<hypervisor::Device>> VirtioFs::Setup(const std::function<Result<>()>& checkpoint) {
  if (::access(daemon_path_.c_str(), X_OK) != 0)
    return Fail(ErrorCode::kUnavailable,
                "virtiofsd not found at " + daemon_path_ + ": install qemu-system-x86 (scripts/setup.sh)");
  if (auto r = dir_.Mount(checkpoint); !r) return std::unexpected(r.error());
  if (auto r = StartDaemon(checkpoint); !r) return std::unexpected(r.error());
  return std::vector<hypervisor::Device>{
      hypervisor::ShareFsDevice{"vfs", layout_.VirtiofsdSocket(), agent::kShareTag}};
}

Result<> VirtioFs::StartDaemon(const std::function<Result<>()>& checkpoint) {
  const std::string log = layout_.VirtiofsdLog();
  os::Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!log_fd) return os::FailErrno("open " + log);
  const std::string socket = layout_.VirtiofsdSocket();
  ::unlink(socket.c_str());
  os::SpawnOptions spawn;
  spawn.argv = {daemon_path_, "--socket-path=" + socket, "-o", "source=" + dir_.Path(), "-o",
                "cache=auto", "-o", "announce_submounts", "--thread-pool-size=1"};
  spawn.stdout_fd = spawn.stderr_fd = log_fd.get();
  auto pid = os::Spawn(spawn);
  if (!pid) return std::unexpected(pid.error().Wrap("start virtiofsd"));
  pid_ = *pid;
  if (auto r = checkpoint(); !r) return r;
  auto deadline = std::chrono::steady_clock::now() + kDaemonStartLimit;
  auto said = [&] {
    std::string tail = os::TailLines(log, 3);
    return tail.empty() ? "" : ": " + tail;
  };
  while (!os::Exists(socket)) {
    if (!os::Alive(pid_)) return Fail(ErrorCode::kUnavailable, "virtiofsd exited during start" + said());
    if (std::chrono::steady_clock::now() > deadline)
      return Fail(ErrorCode::kDeadlineExceeded, "virtiofsd did not create " + socket + said());
    std::this_thread::sleep_for(5ms);
  }
  return {};
}

std::vector<pid_t> VirtioFs::Daemons() const {
  if (pid_ <= 0) return {};
  return {pid_};
}

agent::SharedMount VirtioFs::GuestMount() const {
  return {agent::kShareTag, agent::kGuestShareDir, "virtiofs", {}};
}

Result<std::string> VirtioFs::Share(const std::string& name, const std::string& source, const ShareOptions& options) {
  return dir_.Share(name, source, options);
}

Result<> VirtioFs::Unshare(const std::string& name) { return dir_.Unshare(name); }

bool VirtioFs::DaemonAlive() const {
  if (pid_ <= 0 || !os::Alive(pid_)) return false;
  auto args = os::CommandLine(pid_);
  return std::find(args.begin(), args.end(), "--socket-path=" + layout_.VirtiofsdSocket()) != args.end();
}

void VirtioFs::Cleanup() {
  if (DaemonAlive()) {
    os::Terminate(pid_, 2s);
  } else if (pid_ > 0) {
    // It ends by itself when QEMU goes: reaped here, or it would stay a
    // zombie of init's after this process exits.
    ::waitpid(pid_, nullptr, WNOHANG);
  }
  pid_ = 0;
  ::unlink(layout_.VirtiofsdSocket().c_str());
  dir_.Unmount();
}

}  // namespace vc::resource

#include "resource/share_fs/virtio_fs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

// A share name is a relative path that stays inside the share.
Result<> CheckName(const std::string& name) {
  bool bad = name.empty() || name.front() == '/' || name.back() == '/';
  for (size_t start = 0; !bad && start <= name.size();) {
    size_t end = std::min(name.find('/', start), name.size());
    std::string part = name.substr(start, end - start);
    bad = part.empty() || part == "." || part == "..";
    start = end + 1;
  }
  if (bad) return Fail(ErrorCode::kInvalidArgument, "invalid share name '" + name + "'");
  return {};
}

Result<> Bind(const std::string& source, const std::string& target) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return os::FailErrno("bind " + source + " to " + target);
  return {};
}

// A read-only copy of `source`'s tree attached at `target`. Made read-only
// before it is attached, so the copies that propagate to virtiofsd's mount
// namespace are read-only too (a remount would change this copy only).
Result<> BindReadOnly(const std::string& source, const std::string& target) {
  os::Fd tree(::open_tree(AT_FDCWD, source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree) return os::FailErrno("copy the mount tree of " + source);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
    return os::FailErrno("make the copy of " + source + " read-only");
  if (::move_mount(tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return os::FailErrno("bind " + source + " to " + target + " read-only");
  return {};
}

}  // namespace

Result<std::unique_ptr<ShareFs>> VirtioFs::Restore(const SandboxLayout& layout, const nlohmann::json& state) {
  auto fs = std::make_unique<VirtioFs>(layout, state.value("daemon_path", std::string()));
  fs->mounted_ = state.value("mounted", false);
  fs->pid_ = state.value("pid", 0);
  return fs;
}

nlohmann::json VirtioFs::Save() const {
  return {{"kind", kKind}, {"daemon_path", daemon_path_}, {"mounted", mounted_}, {"pid", pid_}};
}

Result<std::vector<hypervisor::Device>> VirtioFs::Setup(const std::function<Result<>()>& checkpoint) {
  if (::access(daemon_path_.c_str(), X_OK) != 0)
    return Fail(ErrorCode::kUnavailable,
                "virtiofsd not found at " + daemon_path_ + ": install qemu-system-x86 (scripts/setup.sh)");
  mounted_ = true;  // recorded before it happens: a crash right after must still be undone
  if (auto r = checkpoint(); !r) return std::unexpected(r.error());
  if (auto r = MountSharedDir(); !r) return std::unexpected(r.error());
  if (auto r = StartDaemon(checkpoint); !r) return std::unexpected(r.error());
  return std::vector<hypervisor::Device>{
      hypervisor::ShareFsDevice{"vfs", layout_.VirtiofsdSocket(), agent::kShareTag}};
}

// shared/ is a bind mount of itself with shared propagation, so that what is
// bound under it later (container roots) also appears in virtiofsd's private
// mount namespace, a slave of ours.
Result<> VirtioFs::MountSharedDir() {
  const std::string shared = layout_.SharedDir();
  // Traversable by anyone, listable by root only: a container in a user
  // namespace reaches its root through it as its mapped uid. On the host the
  // sandbox directory around it is 0700.
  if (auto r = os::MakeDirs(shared, 0711); !r) return r;
  if (::chmod(shared.c_str(), 0711) != 0) return os::FailErrno("chmod " + shared);
  if (::mount(shared.c_str(), shared.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return os::FailErrno("bind " + shared);
  if (::mount(nullptr, shared.c_str(), nullptr, MS_SHARED, nullptr) != 0)
    return os::FailErrno("make " + shared + " shared");
  return {};
}

Result<> VirtioFs::StartDaemon(const std::function<Result<>()>& checkpoint) {
  const std::string log = layout_.VirtiofsdLog();
  os::Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!log_fd) return os::FailErrno("open " + log);
  const std::string socket = layout_.VirtiofsdSocket();
  ::unlink(socket.c_str());
  os::SpawnOptions spawn;
  spawn.argv = {daemon_path_, "--socket-path=" + socket, "-o", "source=" + layout_.SharedDir(), "-o",
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

agent::SharedMount VirtioFs::GuestMount() const { return {agent::kShareTag, agent::kGuestShareDir}; }

Result<std::string> VirtioFs::Share(const std::string& name, const std::string& source, bool readonly) {
  if (auto r = CheckName(name); !r) return std::unexpected(r.error());
  const std::string target = layout_.SharedDir() + "/" + name;
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return os::FailErrno("share " + source);
  if (S_ISDIR(st.st_mode)) {
    if (auto r = os::MakeDirs(target, 0755); !r) return std::unexpected(r.error());
  } else {
    // A file (or device) is bound onto an empty file of its own.
    if (auto r = os::MakeDirs(target.substr(0, target.rfind('/')), 0755); !r) return std::unexpected(r.error());
    os::Fd placeholder(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!placeholder) return os::FailErrno("create " + target);
  }
  if (auto bound = readonly ? BindReadOnly(source, target) : Bind(source, target); !bound) {
    (void)Unshare(name);
    return std::unexpected(bound.error());
  }
  return std::string(agent::kGuestShareDir) + "/" + name;
}

Result<> VirtioFs::Unshare(const std::string& name) {
  if (auto r = CheckName(name); !r) return r;
  std::string target = layout_.SharedDir() + "/" + name;
  for (const auto& point : os::MountPointsUnder(target))
    if (::umount2(point.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      return os::FailErrno("unmount " + point);
  // Nothing may be bound below any more: only what Share made is removed
  // (empty directories and empty placeholder files), never a shared tree.
  if (auto left = os::MountPointsUnder(target); !left.empty())
    return Fail(ErrorCode::kInternal, "still mounted: " + left.front());
  std::error_code ec;
  std::vector<std::string> made;
  for (auto it = std::filesystem::recursive_directory_iterator(target, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    made.push_back(it->path().string());
  std::sort(made.begin(), made.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& path : made) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) ::rmdir(path.c_str());
    else if (S_ISREG(st.st_mode) && st.st_size == 0) ::unlink(path.c_str());
  }
  if (::rmdir(target.c_str()) != 0) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) ::unlink(target.c_str());
  }
  // The directories Share made, up to the share's root, where empty.
  for (std::string dir = target.substr(0, target.rfind('/')); dir.size() > layout_.SharedDir().size();
       dir.resize(dir.rfind('/')))
    if (::rmdir(dir.c_str()) != 0) break;
  return {};
}

bool VirtioFs::DaemonAlive() const {
  if (pid_ <= 0 || !os::Alive(pid_)) return false;
  auto args = os::CommandLine(pid_);
  return std::find(args.begin(), args.end(), "--socket-path=" + layout_.VirtiofsdSocket()) != args.end();
}

void VirtioFs::Cleanup() {
  if (DaemonAlive()) os::Terminate(pid_, 2s);
  pid_ = 0;
  ::unlink(layout_.VirtiofsdSocket().c_str());
  if (mounted_) {
    // A lazy unmount of shared/ takes whatever is still bound under it along.
    const std::string shared = layout_.SharedDir();
    while (::umount2(shared.c_str(), MNT_DETACH) == 0) {
    }
    mounted_ = false;
  }
}

}  // namespace vc::resource

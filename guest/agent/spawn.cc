#include "spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "os/error.h"
#include "os/file.h"
#include "os/mount.h"

namespace vc::agent {

namespace {

// Fixed descriptor numbers in the child, so everything above can be closed.
constexpr int kStartFd = 3;
constexpr int kReportFd = 4;

[[noreturn]] void Die(const std::string& what, int err = errno) {
  std::string msg = what + ": " + std::strerror(err);
  (void)os::WriteAll(kReportFd, msg);
  ::_exit(127);
}

void Check(bool ok, const std::string& what) {
  if (!ok) Die(what);
}

// Mounts on `target` resolved inside `root`: a symlink in the image cannot
// move the mount out of the container.
void MountIn(const std::string& root, const char* source, const char* target, const char* type,
             unsigned long flags, const char* data = nullptr) {
  auto where = os::OpenInRoot(root, target, true);
  if (!where) {
    (void)os::WriteAll(kReportFd, where.error().message);
    ::_exit(127);
  }
  Check(::mount(source, os::FdPath(*where).c_str(), type, flags, data) == 0, std::string("mount ") + target);
}

// Gives the container a small /dev: a tmpfs with the usual character devices
// bound from the guest's /dev, its own devpts and shm.
void SetUpDev(const std::string& root) {
  MountIn(root, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  for (const char* dev : {"null", "zero", "full", "random", "urandom", "tty"}) {
    std::string target = root + "/dev/" + dev;
    os::Fd touch(::open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666));
    Check(touch.valid(), "create " + target);
    std::string source = std::string("/dev/") + dev;
    Check(::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) == 0,
          "bind " + source);
  }
  MountIn(root, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
          "newinstance,ptmxmode=0666,mode=0620");
  MountIn(root, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777");
  for (auto [link, target] : {std::pair{"/dev/ptmx", "pts/ptmx"}, {"/dev/fd", "/proc/self/fd"},
                              {"/dev/stdin", "/proc/self/fd/0"}, {"/dev/stdout", "/proc/self/fd/1"},
                              {"/dev/stderr", "/proc/self/fd/2"}})
    Check(::symlink(target, (root + link).c_str()) == 0, std::string("symlink ") + link);
}

os::Fd InRootOrDie(const std::string& root, const std::string& path, bool make_dirs) {
  auto fd = os::OpenInRoot(root, path, make_dirs);
  if (!fd) {
    (void)os::WriteAll(kReportFd, fd.error().message);
    ::_exit(127);
  }
  return std::move(*fd);
}

// The spec's bind mounts (volumes; /etc/hosts, /etc/resolv.conf and
// /etc/hostname under CRI). Their sources are guest paths: the host shared
// them. A missing target is made (a directory, or an empty file for a file).
void BindMounts(const oci::Spec& spec) {
  const std::string& root = spec.root.path;
  for (const auto& m : spec.mounts) {
    if (!oci::IsBind(m)) continue;
    struct stat st {};
    Check(::stat(m.source.c_str(), &st) == 0, "mount source " + m.source);
    if (!S_ISDIR(st.st_mode)) {
      size_t slash = m.destination.rfind('/');
      std::string parent = slash == std::string::npos || slash == 0 ? "/" : m.destination.substr(0, slash);
      os::Fd dir = InRootOrDie(root, parent, true);
      os::Fd file(::openat(dir.get(), m.destination.substr(slash + 1).c_str(),
                           O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
      Check(file.valid(), "create mount target " + m.destination);
    }
    os::Fd target = InRootOrDie(root, m.destination, S_ISDIR(st.st_mode));
    const os::MountOptions options = os::ParseMountOptions(m.options);
    Check(::mount(m.source.c_str(), os::FdPath(target).c_str(), nullptr, MS_BIND | (options.flags & MS_REC), nullptr) == 0,
          "bind mount " + m.destination);
    const unsigned long extra = options.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    if (!extra && !options.propagation) continue;
    os::Fd mounted = InRootOrDie(root, m.destination, false);
    if (extra)
      Check(::mount(nullptr, os::FdPath(mounted).c_str(), nullptr, MS_REMOUNT | MS_BIND | extra, nullptr) == 0,
            "remount " + m.destination);
    if (options.propagation)
      Check(::mount(nullptr, os::FdPath(mounted).c_str(), nullptr, options.propagation, nullptr) == 0,
            "propagation of " + m.destination);
  }
}

// Inside the new mount namespace: make `root` the process's root with
// pivot_root(2), then detach the guest's root so nothing of it stays reachable.
void EnterRootfs(const oci::Spec& spec) {
  Check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, "make / private");
  const std::string& root = spec.root.path;
  Check(::mount(root.c_str(), root.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == 0,
        "bind rootfs " + root);
  MountIn(root, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  MountIn(root, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);
  SetUpDev(root);
  BindMounts(spec);
  if (spec.root.readonly)
    Check(::mount(nullptr, root.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0,
          "remount rootfs read-only");
  Check(::chdir(root.c_str()) == 0, "chdir " + root);
  // pivot_root(".", ".") stacks the old root on the new one; unmounting "."
  // then takes the old root away.
  Check(::syscall(SYS_pivot_root, ".", ".") == 0, "pivot_root to " + root);
  Check(::umount2(".", MNT_DETACH) == 0, "detach the guest root");
  Check(::chdir("/") == 0, "chdir /");
}

std::string LookPath(const std::string& file, const std::vector<std::string>& env) {
  if (file.find('/') != std::string::npos) return file;
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  size_t start = 0;
  for (;;) {
    size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? end : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + file;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

// Runs in the child; never returns.
[[noreturn]] void ChildMain(const SpawnRequest& req, int start_r, int report_w, int in_r,
                            int out_w, int err_w, int ns_fds[3], int root_fd) {
  // Move every descriptor we keep to fixed numbers (report 4, start 3, stdio
  // 0-2, namespaces and root from 5 up), then drop every other inherited fd:
  // other containers' pipes must not stay open here. Copy high first so no
  // placement clobbers a source.
  auto high = [](int fd) { return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, 64); };
  int h_start = high(start_r), h_report = high(report_w);
  int h_stdio[3] = {high(in_r), high(out_w), high(err_w)};
  int h_join[3] = {high(ns_fds[0]), high(ns_fds[1]), high(ns_fds[2])};
  int h_root = high(root_fd);
  if (h_report < 0 || ::dup3(h_report, kReportFd, O_CLOEXEC) < 0) ::_exit(127);
  Check(h_start >= 0 && ::dup3(h_start, kStartFd, O_CLOEXEC) >= 0, "place start pipe");
  for (int i = 0; i < 3; ++i) Check(h_stdio[i] >= 0 && ::dup2(h_stdio[i], i) >= 0, "place stdio");
  int joins[3] = {-1, -1, -1};
  int root = -1;
  int next = 5;
  for (int i = 0; i < 3; ++i)
    if (h_join[i] >= 0) Check(::dup3(h_join[i], joins[i] = next++, O_CLOEXEC) >= 0, "place ns fd");
  if (h_root >= 0) Check(::dup3(h_root, root = next++, O_CLOEXEC) >= 0, "place root fd");
  ::syscall(SYS_close_range, next, ~0u, 0);

  Check(::setsid() >= 0, "setsid");
  if (req.process.terminal) Check(::ioctl(0, TIOCSCTTY, 0) == 0, "set the controlling terminal");
  {
    std::string procs = req.cgroup_dir + "/cgroup.procs";
    os::Fd cg(::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
    Check(cg.valid() && ::write(cg.get(), "0", 1) == 1, "join cgroup " + req.cgroup_dir);
  }
  if (req.join_pid == 0) {
    if (!req.container.hostname.empty())
      Check(::sethostname(req.container.hostname.data(), req.container.hostname.size()) == 0,
            "sethostname");
    EnterRootfs(req.container);
  } else {
    static const int kinds[3] = {CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNS};
    for (int i = 0; i < 3; ++i) Check(::setns(joins[i], kinds[i]) == 0, "join namespace");
    Check(::fchdir(root) == 0 && ::chroot(".") == 0, "enter container root");
    for (int fd : joins) ::close(fd);
    ::close(root);
  }

  Check(::write(kReportFd, "R", 1) == 1, "report ready");
  char go;
  if (::read(kStartFd, &go, 1) != 1) ::_exit(127);  // the agent dropped us: never start
  ::close(kStartFd);

  const oci::Process& p = req.process;
  std::vector<gid_t> groups(p.user.additional_gids.begin(), p.user.additional_gids.end());
  Check(::setgroups(groups.size(), groups.data()) == 0, "setgroups");
  Check(::setgid(p.user.gid) == 0, "setgid " + std::to_string(p.user.gid));
  Check(::setuid(p.user.uid) == 0, "setuid " + std::to_string(p.user.uid));
  Check(::chdir(p.cwd.c_str()) == 0, "chdir " + p.cwd);

  std::string program = LookPath(p.args[0], p.env);
  if (program.empty()) Die("exec " + p.args[0], ENOENT);
  std::vector<char*> argv, envp;
  for (const auto& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::execve(program.c_str(), argv.data(), envp.data());
  Die("exec " + program);
}

Result<std::pair<os::Fd, os::Fd>> Pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return os::FailErrno("pipe");
  return std::pair{os::Fd(fds[0]), os::Fd(fds[1])};
}

// A new pseudo-terminal: master and slave, both close-on-exec.
Result<std::pair<os::Fd, os::Fd>> OpenPty(const oci::Process& process) {
  os::Fd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return os::FailErrno("open /dev/ptmx");
  if (::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0)
    return os::FailErrno("unlock pseudo-terminal");
  os::Fd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return os::FailErrno("open pseudo-terminal slave");
  if (process.console_size && process.console_size->height && process.console_size->width) {
    winsize size{static_cast<unsigned short>(process.console_size->height),
                 static_cast<unsigned short>(process.console_size->width), 0, 0};
    ::ioctl(master.get(), TIOCSWINSZ, &size);
  }
  return std::pair{std::move(master), std::move(slave)};
}

}  // namespace

Result<SpawnedProcess> Spawn(const SpawnRequest& req) {
  if (req.process.args.empty()) return Fail(ErrorCode::kInvalidArgument, "no command to run");
  auto start = Pipe(), report = Pipe(), in = Pipe(), out = Pipe(), err = Pipe();
  for (auto* p : {&start, &report, &in, &out, &err})
    if (!*p) return std::unexpected(p->error());
  os::Fd pty_master, pty_slave;
  if (req.process.terminal) {
    auto pty = OpenPty(req.process);
    if (!pty) return std::unexpected(pty.error());
    pty_master = std::move(pty->first);
    pty_slave = std::move(pty->second);
  }
  // The child's stdio: the terminal's slave, or the pipes' far ends.
  const int child_in = pty_slave ? pty_slave.get() : in->first.get();
  const int child_out = pty_slave ? pty_slave.get() : out->second.get();
  const int child_err = pty_slave ? pty_slave.get() : err->second.get();

  os::Fd ns[3], root, own_pidns, target_pidns;
  if (req.join_pid != 0) {
    std::string proc = "/proc/" + std::to_string(req.join_pid);
    const char* names[3] = {"ipc", "uts", "mnt"};
    for (int i = 0; i < 3; ++i) {
      ns[i].reset(::open((proc + "/ns/" + names[i]).c_str(), O_RDONLY | O_CLOEXEC));
      if (!ns[i]) return os::FailErrno("open " + proc + "/ns/" + names[i]);
    }
    root.reset(::open((proc + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    target_pidns.reset(::open((proc + "/ns/pid").c_str(), O_RDONLY | O_CLOEXEC));
    own_pidns.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!root || !target_pidns || !own_pidns) return os::FailErrno("open " + proc + " namespaces");
    // Children of ours are born into the container's PID namespace; we stay put.
    if (::setns(target_pidns.get(), CLONE_NEWPID) != 0) return os::FailErrno("join pid namespace");
  }

  pid_t pid;
  if (req.join_pid == 0) {
    const unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
    pid = static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0));
  } else {
    pid = ::fork();
  }
  if (pid == 0) {
    int ns_fds[3] = {ns[0].get(), ns[1].get(), ns[2].get()};
    ChildMain(req, start->first.get(), report->second.get(), child_in, child_out, child_err,
              ns_fds, root.get());
  }
  int spawn_errno = errno;
  if (own_pidns && ::setns(own_pidns.get(), CLONE_NEWPID) != 0)
    return os::FailErrno("return to the agent's pid namespace");
  if (pid < 0) return os::FailErrno("clone", spawn_errno);

  SpawnedProcess spawned;
  spawned.pid = pid;
  spawned.start = std::move(start->second);
  spawned.report = std::move(report->first);
  spawned.stderr_r = std::move(err->first);  // terminal mode: ends at once, nobody writes it
  if (pty_master) {
    spawned.stdin_w.reset(::fcntl(pty_master.get(), F_DUPFD_CLOEXEC, 0));
    spawned.stdout_r.reset(::fcntl(pty_master.get(), F_DUPFD_CLOEXEC, 0));
    if (!spawned.stdin_w || !spawned.stdout_r) return os::FailErrno("duplicate terminal master");
    spawned.pty = std::move(pty_master);
  } else {
    spawned.stdin_w = std::move(in->second);
    spawned.stdout_r = std::move(out->first);
  }
  return spawned;
}

}  // namespace vc::agent

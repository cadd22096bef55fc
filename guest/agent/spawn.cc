#include "spawn.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

#include "os/error.h"
#include "os/file.h"
#include "os/pty.h"
#include "oci/validate.h"
#include "setup/setup.h"

namespace vc::agent {

namespace {

// Fixed descriptor numbers in the child, so everything above can be closed.
constexpr int kStartFd = 3;
constexpr int kReportFd = 4;

// Reports `msg` to the agent and ends the child.
[[noreturn]] void Exit(const std::string& msg) {
  (void)os::WriteAll(kReportFd, msg);
  ::_exit(127);
}

[[noreturn]] void Die(const std::string& what, int err = errno) { Exit(what + ": " + std::strerror(err)); }

// strerror's text as Go (runc) words it: lower case.
std::string LowerError(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

void Check(bool ok, const std::string& what) {
  if (!ok) Die(what);
}

// Brings up the loopback link of a new network namespace, as runc does.
Result<> LoopbackUp() {
  os::Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (!sock || ::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) return os::FailErrno("read the flags of lo");
  req.ifr_flags |= IFF_UP;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) return os::FailErrno("bring lo up");
  return {};
}

// A new time namespace with the spec's clock offsets. unshare() makes it for
// our children only, and its offsets can be set only while it is empty; then
// we enter it ourselves.
Result<> EnterTimeNamespace(const oci::Linux& linux) {
  if (::unshare(CLONE_NEWTIME) != 0) return os::FailErrno("new time namespace");
  if (!linux.time_offsets.empty()) {
    std::string text;
    for (const auto& [clock, o] : linux.time_offsets)
      text += clock + " " + std::to_string(o.secs) + " " + std::to_string(o.nanosecs) + "\n";
    os::Fd offsets(::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC));
    if (!offsets || ::write(offsets.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      return os::FailErrno("set linux.timeOffsets");
  }
  os::Fd ns(::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC));
  if (!ns || ::setns(ns.get(), CLONE_NEWTIME) != 0) return os::FailErrno("enter the time namespace");
  return {};
}

void CheckResult(const Result<>& ok) {
  if (!ok) {
    (void)os::WriteAll(kReportFd, ok.error().message);
    ::_exit(127);
  }
}

// Whether the container joins its pod's namespace of `type` rather than
// getting a new one: a pid, ipc or uts entry with a path (a namespace of the
// pod on the host) names the pod's, which in the guest is the pod sandbox
// container's (SpawnRequest::pod_pid).
bool JoinsPod(const SpawnRequest& req, const oci::Namespace& n) {
  return req.pod_pid != 0 && !n.path.empty() && (n.type == "pid" || n.type == "ipc" || n.type == "uts");
}

// The namespaces a new container gets: the spec's (linux.namespaces) but the
// pod's it joins, and always a mount namespace (the root is pivoted in it).
// A network entry with a path is the pod's network, which is the guest's own
// (docs/oci.md); pid, ipc and uts entries with a path and no pod container
// in the guest get new ones.
unsigned long CloneFlags(const SpawnRequest& req) {
  unsigned long flags = CLONE_NEWNS;
  for (const auto& n : req.container.linux.namespaces) {
    if (JoinsPod(req, n)) continue;
    if (n.type == "user") flags |= CLONE_NEWUSER;
    if (n.type == "pid") flags |= CLONE_NEWPID;
    if (n.type == "ipc") flags |= CLONE_NEWIPC;
    if (n.type == "uts") flags |= CLONE_NEWUTS;
    if (n.type == "network" && n.path.empty()) flags |= CLONE_NEWNET;
  }
  return flags;
}

// The container's init: everything up to the start signal.
void SetUpInit(const SpawnRequest& req, unsigned long flags) {
  const oci::Spec& spec = req.container;
  // After joining the cgroup, so that the container's cgroup is the
  // namespace's root.
  if (oci::FindNamespace(spec.linux, "cgroup"))
    Check(::unshare(CLONE_NEWCGROUP) == 0, "new cgroup namespace");
  if (flags & CLONE_NEWNET) CheckResult(LoopbackUp());
  if (oci::FindNamespace(spec.linux, "time")) CheckResult(EnterTimeNamespace(spec.linux));
  // linux.personality: the execution domain the process and its children get.
  if (!spec.linux.personality.empty())
    Check(::personality(spec.linux.personality == "LINUX32" ? PER_LINUX32 : PER_LINUX) != -1,
          "personality " + spec.linux.personality);
  if (flags & CLONE_NEWUTS) {
    if (!spec.hostname.empty())
      Check(::sethostname(spec.hostname.data(), spec.hostname.size()) == 0, "sethostname " + spec.hostname);
    if (!spec.domainname.empty())
      Check(::setdomainname(spec.domainname.data(), spec.domainname.size()) == 0,
            "setdomainname " + spec.domainname);
  }
  CheckResult(setup::EnterRootfs(spec));
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

// The namespaces an exec joins: those of the container's init that are not
// the agent's own.
// The user namespace first: the others belong to it.
constexpr const char* kJoinable[] = {"user", "ipc", "uts", "net", "cgroup", "time", "mnt"};
constexpr int kJoinableFlags[] = {CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET,
                                  CLONE_NEWCGROUP, CLONE_NEWTIME, CLONE_NEWNS};
constexpr size_t kJoinCount = std::size(kJoinable);

// Runs in the child; never returns.
[[noreturn]] void ChildMain(const SpawnRequest& req, const setup::Prepared& prepared, unsigned long flags,
                            int start_r, int report_w, int in_r, int out_w, int err_w,
                            const int (&ns_fds)[kJoinCount], int root_fd, int mapped_r) {
  // Move every descriptor we keep to fixed numbers (report 4, start 3, stdio
  // 0-2, namespaces and root from 5 up), then drop every other inherited fd:
  // other containers' pipes must not stay open here. Copy high first so no
  // placement clobbers a source.
  auto high = [](int fd) { return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, 64); };
  int h_start = high(start_r), h_report = high(report_w);
  int h_stdio[3] = {high(in_r), high(out_w), high(err_w)};
  int h_join[kJoinCount];
  for (size_t i = 0; i < kJoinCount; ++i) h_join[i] = high(ns_fds[i]);
  int h_root = high(root_fd);
  int h_mapped = high(mapped_r);
  if (h_report < 0 || ::dup3(h_report, kReportFd, O_CLOEXEC) < 0) ::_exit(127);
  Check(h_start >= 0 && ::dup3(h_start, kStartFd, O_CLOEXEC) >= 0, "place start pipe");
  for (int i = 0; i < 3; ++i) Check(h_stdio[i] >= 0 && ::dup2(h_stdio[i], i) >= 0, "place stdio");
  int joins[kJoinCount];
  int root = -1;
  int next = 5;
  for (size_t i = 0; i < kJoinCount; ++i) {
    joins[i] = -1;
    if (h_join[i] >= 0) Check(::dup3(h_join[i], joins[i] = next++, O_CLOEXEC) >= 0, "place ns fd");
  }
  if (h_root >= 0) Check(::dup3(h_root, root = next++, O_CLOEXEC) >= 0, "place root fd");
  int mapped = -1;
  if (h_mapped >= 0) Check(::dup3(h_mapped, mapped = next++, O_CLOEXEC) >= 0, "place the id-map pipe");
  ::syscall(SYS_close_range, next, ~0u, 0);

  // In a new user namespace nothing works until the agent has written our id
  // maps.
  if (mapped >= 0) {
    char done;
    if (::read(mapped, &done, 1) != 1) ::_exit(127);
    ::close(mapped);
    // Become the namespace's root: the guest's root is not mapped in it, and
    // files can be made only by a mapped owner.
    Check(::setresgid(0, 0, 0) == 0 && ::setresuid(0, 0, 0) == 0, "become root in the user namespace");
  }

  Check(::setsid() >= 0, "setsid");
  if (req.process.terminal) Check(::ioctl(0, TIOCSCTTY, 0) == 0, "set the controlling terminal");
  for (size_t i = 0; i < kJoinCount; ++i)
    if (joins[i] >= 0) {
      Check(::setns(joins[i], kJoinableFlags[i]) == 0, std::string("join the ") + kJoinable[i] + " namespace");
      ::close(joins[i]);
    }
  if (req.join_pid == 0) {
    SetUpInit(req, flags);
  } else {
    Check(::fchdir(root) == 0 && ::chroot(".") == 0, "enter container root");
    ::close(root);
  }

  // As runc, a program that is missing or not executable fails the create,
  // not the start, in runc's words: callers (docker, podman) tell "not found"
  // (127) from "permission denied" (126) by them.
  const oci::Process& p = req.process;
  const std::string exec = "exec: \"" + p.args[0] + "\": ";
  std::string program = LookPath(p.args[0], p.env);
  if (program.empty()) Exit(exec + "executable file not found in $PATH");
  struct stat st {};
  if (::stat(program.c_str(), &st) != 0) Exit(exec + "stat " + program + ": " + LowerError(errno));
  if (S_ISDIR(st.st_mode) || ::access(program.c_str(), X_OK) != 0) Exit(exec + LowerError(EACCES));

  Check(::write(kReportFd, "R", 1) == 1, "report ready");
  char go;
  if (::read(kStartFd, &go, 1) != 1) ::_exit(127);  // the agent dropped us: never start
  ::close(kStartFd);

  CheckResult(setup::ApplyProcess(p, prepared));
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

// Whether `pid` has a namespace of `type` other than ours.
bool OtherNamespace(const std::string& proc, const char* type) {
  struct stat theirs {}, ours {};
  return ::stat((proc + "/ns/" + type).c_str(), &theirs) == 0 &&
         ::stat((std::string("/proc/self/ns/") + type).c_str(), &ours) == 0 && theirs.st_ino != ours.st_ino;
}

// For a child in a new user namespace: its uid and gid maps.
Result<> MapIds(pid_t pid, const oci::Linux& linux) {
  auto write = [](const std::string& path, const std::string& text) -> Result<> {
    os::Fd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!file) return os::FailErrno("open " + path);
    // The kernel takes a map in one write.
    if (::write(file.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      return os::FailErrno("write " + path);
    return {};
  };
  auto lines = [](const std::vector<oci::IdMapping>& maps) {
    std::string text;
    for (const auto& m : maps)
      text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
    return text;
  };
  const std::string proc = "/proc/" + std::to_string(pid);
  if (auto ok = write(proc + "/uid_map", lines(linux.uid_mappings)); !ok) return ok;
  return write(proc + "/gid_map", lines(linux.gid_mappings));
}

}  // namespace

Result<SpawnedProcess> Spawn(const SpawnRequest& req) {
  if (req.process.args.empty()) return Fail(ErrorCode::kInvalidArgument, "no command to run");
  // Names and the seccomp filter are resolved here, so that a bad spec fails
  // with a clear message before anything is forked.
  auto prepared = setup::Prepare(req.process, req.container.linux.seccomp);
  if (!prepared) return std::unexpected(prepared.error());
  auto start = os::Pipe(), report = os::Pipe(), in = os::Pipe(), out = os::Pipe(), err = os::Pipe();
  for (auto* p : {&start, &report, &in, &out, &err})
    if (!*p) return std::unexpected(p->error());
  os::Fd pty_master, pty_slave;
  if (req.process.terminal) {
    const auto size = req.process.console_size.value_or(oci::ConsoleSize{});
    auto pty = os::OpenPty(static_cast<uint16_t>(size.height), static_cast<uint16_t>(size.width));
    if (!pty) return std::unexpected(pty.error());
    pty_master = std::move(pty->first);
    pty_slave = std::move(pty->second);
  }
  // The child's stdio: the terminal's slave, or the pipes' far ends.
  const int child_in = pty_slave ? pty_slave.get() : in->first.get();
  const int child_out = pty_slave ? pty_slave.get() : out->second.get();
  const int child_err = pty_slave ? pty_slave.get() : err->second.get();

  // What the child joins: for an exec, every namespace of the container's
  // init that is not ours, and its root; for an init, the pod's it shares.
  os::Fd ns[kJoinCount], root, own_pidns, target_pidns;
  const pid_t source = req.join_pid != 0 ? req.join_pid : req.pod_pid;
  const std::string proc = "/proc/" + std::to_string(source);
  auto joins = [&](const char* type) {
    if (source == 0 || !OtherNamespace(proc, type)) return false;
    if (req.join_pid != 0) return true;
    const std::string spec_type = std::string(type) == "mnt" ? "mount" : type;
    const oci::Namespace* n = oci::FindNamespace(req.container.linux, spec_type);
    return n && JoinsPod(req, *n);
  };
  for (size_t i = 0; i < kJoinCount; ++i) {
    if (!joins(kJoinable[i])) continue;
    ns[i].reset(::open((proc + "/ns/" + kJoinable[i]).c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns[i]) return os::FailErrno("open " + proc + "/ns/" + kJoinable[i]);
  }
  if (req.join_pid != 0) {
    root.reset(::open((proc + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) return os::FailErrno("open " + proc + "/root");
  }
  if (joins("pid")) {
    target_pidns.reset(::open((proc + "/ns/pid").c_str(), O_RDONLY | O_CLOEXEC));
    own_pidns.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!target_pidns || !own_pidns) return os::FailErrno("open " + proc + " pid namespace");
    // Children of ours are born into that PID namespace; we stay put.
    if (::setns(target_pidns.get(), CLONE_NEWPID) != 0) return os::FailErrno("join pid namespace");
  }

  pid_t pid;
  const unsigned long flags = req.join_pid == 0 ? CloneFlags(req) : 0;
  std::optional<std::pair<os::Fd, os::Fd>> mapped;
  if (flags & CLONE_NEWUSER) {
    auto p = os::Pipe();
    if (!p) return std::unexpected(p.error());
    mapped = std::move(*p);
  }
  // Born in the container's cgroup: no migration afterwards, which would
  // wait for an RCU grace period (tens of milliseconds under TCG).
  os::Fd cgroup(::open(req.cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup) return os::FailErrno("open cgroup " + req.cgroup_dir);
  clone_args args{};
  args.flags = flags | CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup.get());
  pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
  if (pid == 0) {
    int ns_fds[kJoinCount];
    for (size_t i = 0; i < kJoinCount; ++i) ns_fds[i] = ns[i].get();
    ChildMain(req, *prepared, flags, start->first.get(), report->second.get(), child_in, child_out,
              child_err, ns_fds, root.get(), mapped ? mapped->first.get() : -1);
  }
  int spawn_errno = errno;
  if (own_pidns && ::setns(own_pidns.get(), CLONE_NEWPID) != 0)
    return os::FailErrno("return to the agent's pid namespace");
  if (pid < 0) return os::FailErrno("clone", spawn_errno);
  if (mapped) {
    if (auto ok = MapIds(pid, req.container.linux); !ok) {
      ::kill(pid, SIGKILL);
      return std::unexpected(ok.error());
    }
    if (::write(mapped->second.get(), "M", 1) != 1) return os::FailErrno("release the child");
  }

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

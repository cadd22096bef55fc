#include "os/process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"

namespace vc::os {

std::string FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

Result<pid_t> Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return Fail(ErrorCode::kInvalidArgument, "spawn: empty argv");
  const std::string& file = options.program.empty() ? options.argv[0] : options.program;
  std::string program = FindProgram(file);
  if (program.empty()) return Fail(ErrorCode::kUnavailable, file + ": program not found");

  std::vector<char*> argv;
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& var : options.env) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);

  Fd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull) return FailErrno("open /dev/null");
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return FailErrno("pipe");
  Fd report_read(report[0]), report_write(report[1]);
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) return FailErrno("fork");
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    auto fail = [&] {
      int e = errno;
      [[maybe_unused]] auto r = ::write(report_write.get(), &e, sizeof e);
      ::_exit(127);
    };
    // The ids first: the kernel clears the parent-death signal when they change.
    if (options.gid && (::setgroups(options.groups.size(), options.groups.data()) != 0 ||
                        ::setresgid(*options.gid, *options.gid, *options.gid) != 0))
      fail();
    if (options.uid && ::setresuid(*options.uid, *options.uid, *options.uid) != 0) fail();
    if (options.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
    }
    if (options.new_session) ::setsid();
    if (options.umask >= 0) ::umask(static_cast<mode_t>(options.umask));
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int in = options.stdin_fd >= 0 ? options.stdin_fd : devnull.get();
    int out = options.stdout_fd >= 0 ? options.stdout_fd : devnull.get();
    int err = options.stderr_fd >= 0 ? options.stderr_fd : devnull.get();
    // dup2 clears CLOEXEC on the copies; dup first if a source is already 0-2.
    int fds[3] = {::fcntl(in, F_DUPFD_CLOEXEC, 3), ::fcntl(out, F_DUPFD_CLOEXEC, 3),
                  ::fcntl(err, F_DUPFD_CLOEXEC, 3)};
    for (int i = 0; i < 3; ++i)
      if (fds[i] < 0 || ::dup2(fds[i], i) < 0) fail();
    // Nothing else the caller has open may leak into the program (a socket
    // held by a long-lived child never reports its peer gone).
    ::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
    for (int fd : options.keep_fds) ::fcntl(fd, F_SETFD, 0);
    if (options.env.empty()) ::execv(program.c_str(), argv.data());
    else ::execve(program.c_str(), argv.data(), envp.data());
    fail();
  }
  report_write.reset();
  int child_errno = 0;
  ssize_t n;
  do n = ::read(report_read.get(), &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    ::waitpid(pid, nullptr, 0);
    return FailErrno("exec " + program, child_errno);
  }
  return pid;
}

Result<RunOutput> RunToCompletion(SpawnOptions options, const std::string& input,
                                  std::chrono::milliseconds timeout) {
  // stdin is a socket, not a pipe: a program that exits before it reads
  // its input must not kill us with SIGPIPE (send's MSG_NOSIGNAL).
  int in[2], out[2], err[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) return FailErrno("socketpair");
  Fd in_r(in[0]), in_w(in[1]);
  ::shutdown(in_r.get(), SHUT_WR);
  if (::pipe2(out, O_CLOEXEC) != 0) return FailErrno("pipe");
  Fd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return FailErrno("pipe");
  Fd err_r(err[0]), err_w(err[1]);
  options.stdin_fd = in_r.get();
  options.stdout_fd = out_w.get();
  options.stderr_fd = err_w.get();
  auto pid = Spawn(options);
  if (!pid) return std::unexpected(pid.error());
  in_r.reset();
  out_w.reset();
  err_w.reset();
  ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);

  RunOutput result;
  size_t written = 0;
  if (input.empty()) in_w.reset();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out_r || err_r) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, nullptr, 0);
      return Fail(ErrorCode::kDeadlineExceeded,
                  options.argv[0] + " did not finish within " + std::to_string(timeout.count()) + " ms");
    }
    pollfd p[3] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}, {in_w.get(), POLLOUT, 0}};
    if (::poll(p, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) return FailErrno("poll");
    if (in_w && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::send(in_w.get(), input.data() + written, input.size() - written, MSG_NOSIGNAL);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN) written = input.size();  // the program stopped reading
      if (written == input.size()) in_w.reset();
    }
    for (auto [fd, sink, ev] : {std::tuple{&out_r, &result.out, p[0].revents}, std::tuple{&err_r, &result.err, p[1].revents}}) {
      if (!*fd || !(ev & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::read(fd->get(), buf, sizeof buf);
      if (n > 0) sink->append(buf, static_cast<size_t>(n));
      else if (n == 0 || errno != EINTR) fd->reset();
    }
  }
  in_w.reset();
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {}
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

Result<bool> WaitGone(pid_t pid, std::chrono::milliseconds timeout) {
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    if (errno == ESRCH) return true;
    return FailErrno("pidfd_open " + std::to_string(pid));
  }
  pollfd p{pidfd.get(), POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int rc = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return FailErrno("poll pidfd");
  }
}

bool Alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  auto close = stat->rfind(')');
  return close == std::string::npos || close + 2 >= stat->size() || (*stat)[close + 2] != 'Z';
}

void WaitReaped(pid_t pid, std::chrono::milliseconds timeout) {
  if (pid <= 0) return;
  ::waitpid(pid, nullptr, WNOHANG);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::kill(pid, 0) == 0 && !Alive(pid) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void Terminate(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  if (::kill(pid, SIGTERM) == 0) {
    auto gone = WaitGone(pid, grace);
    if (!gone || !*gone) {
      ::kill(pid, SIGKILL);
      (void)WaitGone(pid, std::chrono::seconds(5));
    }
  }
  ::waitpid(pid, nullptr, WNOHANG);
}

std::vector<std::string> CommandLine(pid_t pid) {
  std::vector<std::string> args;
  auto text = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  if (!text) return args;
  for (size_t start = 0; start < text->size();) {
    size_t end = text->find('\0', start);
    if (end == std::string::npos) end = text->size();
    args.push_back(text->substr(start, end - start));
    start = end + 1;
  }
  return args;
}

}  // namespace vc::os

// The monitor: the host process that stands for a container's process.
#include "monitor.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>
#include <utility>

#include "common/cli.h"
#include "console.h"
#include "os/fd.h"

namespace vc::vcrt {
namespace {

// Signals a monitor passes on to its process as they come (SIGWINCH resizes
// the guest's terminal instead). SIGKILL and SIGSTOP cannot be caught: `kill`
// through the runtime reaches the process in the VM in any case.
constexpr int kForwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGCONT};

sigset_t MonitorSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kForwarded) sigaddset(&set, s);
  sigaddset(&set, SIGWINCH);
  return set;
}

void Report(int fd, const std::string& text) {
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

[[noreturn]] void RunMonitor(const MonitorOptions& o, int go, int report) {
  char byte = 0;
  ssize_t n;
  do n = ::read(go, &byte, 1);
  while (n < 0 && errno == EINTR);
  ::close(go);
  if (n != 1) ::_exit(0);  // the runtime gave up: nothing to stand for

  ::signal(SIGPIPE, SIG_IGN);
  sigset_t set = MonitorSignals();
  for (int s : kForwarded) ::signal(s, SIG_DFL);  // background jobs start with some ignored
  pthread_sigmask(SIG_BLOCK, &set, nullptr);      // every thread from here inherits it
  auto fail = [report](const vc::Error& e) {
    Report(report, e.message.empty() ? "failed" : e.message);
    ::_exit(1);
  };

  vc::os::Fd master;
  if (!o.console_socket.empty()) {
    auto pty = OpenPty();
    if (!pty) fail(pty.error());
    // The pty becomes the monitor's controlling terminal, so that a new
    // window size set on the master comes as SIGWINCH.
    ::setsid();
    ::ioctl(pty->slave.get(), TIOCSCTTY, 0);
    for (int fd = 0; fd <= 2; ++fd) ::dup2(pty->slave.get(), fd);
    master = std::move(pty->master);
  }
  auto rt = std::make_shared<vc::Runtime>(vc::RuntimeOptions{o.root, ""});
  auto process = o.exec ? rt->EnterContainer(o.sandbox_id, o.container_id, *o.exec)
                        : rt->AttachProcess(o.sandbox_id, o.container_id);
  if (!process) fail(process.error());
  std::shared_ptr<vc::Process> p(std::move(*process));
  if (master) {
    if (auto sent = SendConsole(o.console_socket, master.get()); !sent) {
      (void)p->Signal(SIGKILL);
      fail(sent.error());
    }
    master.reset();
  }
  Report(report, "ok");
  ::close(report);

  const bool tty = !o.console_socket.empty();
  auto resize = [rt, o, p] {
    struct winsize ws{};
    if (::ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
      (void)rt->ResizeTerminal(o.sandbox_id, o.container_id, p->exec_id(), ws.ws_row, ws.ws_col);
  };
  if (tty) resize();
  std::thread([set, tty, resize, p] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGWINCH) {
        if (tty) resize();
        continue;
      }
      (void)p->Signal(sig);
    }
  }).detach();
  auto status = vc::cli::Relay(p, true);
  // No destructors: the stdin pump may still sit in read(0).
  ::_exit(status ? *status : 128 + SIGKILL);
}

}  // namespace

namespace {

volatile sig_atomic_t forward_to = 0;

void Forward(int sig) {
  if (forward_to > 0) ::kill(forward_to, sig);
}

}  // namespace

void Monitor::ForwardSignals() const {
  forward_to = pid_;
  struct sigaction sa {};
  sa.sa_handler = Forward;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH}) ::sigaction(s, &sa, nullptr);
}

vc::Result<Monitor> Monitor::Fork(const MonitorOptions& options) {
  // Born in its namespace: this thread steps in for the fork and back out.
  vc::os::Fd home, netns;
  if (!options.netns.empty()) {
    home = vc::os::Fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    netns = vc::os::Fd(::open(options.netns.c_str(), O_RDONLY | O_CLOEXEC));
    if (!home || !netns || ::setns(netns.get(), CLONE_NEWNET) != 0)
      return vc::Fail(vc::ErrorCode::kUnavailable,
                      "enter network namespace " + options.netns + ": " + std::strerror(errno));
  }
  auto forked = ForkIn(options);
  if (home && ::setns(home.get(), CLONE_NEWNET) != 0)  // a forked monitor is abandoned
    return vc::Fail(vc::ErrorCode::kInternal,
                    std::string("return to the caller's network namespace: ") + std::strerror(errno));
  return forked;
}

vc::Result<Monitor> Monitor::ForkIn(const MonitorOptions& options) {
  int go[2], report[2];
  if (::pipe2(go, O_CLOEXEC) != 0)
    return vc::Fail(vc::ErrorCode::kUnavailable, std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(report, O_CLOEXEC) != 0) {
    ::close(go[0]);
    ::close(go[1]);
    return vc::Fail(vc::ErrorCode::kUnavailable, std::string("pipe: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {go[0], go[1], report[0], report[1]}) ::close(fd);
    return vc::Fail(vc::ErrorCode::kUnavailable, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(go[1]);
    ::close(report[0]);
    RunMonitor(options, go[0], report[1]);
  }
  ::close(go[0]);
  ::close(report[1]);
  return Monitor(pid, go[1], report[0]);
}

Monitor::Monitor(Monitor&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      go_(std::exchange(other.go_, -1)),
      report_(std::exchange(other.report_, -1)) {}

Monitor::~Monitor() {
  if (pid_ > 0) Abandon();
  if (report_ >= 0) ::close(report_);
}

vc::Result<> Monitor::Go() {
  const char byte = 'g';
  ssize_t n;
  do n = ::write(go_, &byte, 1);
  while (n < 0 && errno == EINTR);
  ::close(go_);
  go_ = -1;
  std::string said;
  char buf[512];
  for (;;) {
    n = ::read(report_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    said.append(buf, static_cast<size_t>(n));
  }
  ::close(report_);
  report_ = -1;
  if (said == "ok") return {};
  return vc::Fail(vc::ErrorCode::kUnavailable,
                  said.empty() ? "the monitor process ended before it attached" : said);
}

void Monitor::Abandon() {
  if (go_ >= 0) {
    ::close(go_);  // it ends by itself
    go_ = -1;
  } else {
    ::kill(pid_, SIGKILL);
  }
  (void)Wait();
}

int Monitor::Wait() {
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, 0);
  while (r < 0 && errno == EINTR);
  pid_ = -1;
  if (r < 0) return 128 + SIGKILL;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace vc::vcrt

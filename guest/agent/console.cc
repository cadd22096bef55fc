#include "console.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>

#include "protocol/console_frames.h"
#include "init.h"
#include "os/error.h"
#include "os/fd.h"
#include "os/file.h"
#include "os/notifier.h"
#include "os/pty.h"

namespace vc::agent {

namespace console = vc::agent::console;

namespace {

constexpr const char* kShell = "/bin/busybox";
// How long the port may take to appear after the agent's own channel did.
constexpr auto kPortWait = std::chrono::seconds(10);

// A virtio-serial port reports a hang-up while no host side is connected.
bool HostConnected(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

// A started shell: its pid, where its input goes and its output comes from.
struct Shell {
  pid_t pid = 0;
  os::Fd input, output;  // both the terminal's master, or two pipes
  bool terminal = false;
};

// The shell on a new pseudo-terminal of `size` or, when the host has no
// terminal (a script piped in), on pipes: no prompts, and its input ends when
// the host's does.
Result<Shell> StartShell(console::Size size) {
  if (!os::Exists(kShell))
    return Fail(ErrorCode::kNotFound, std::string(kShell) + " is missing from the guest");
  Shell shell;
  shell.terminal = size.rows && size.cols;
  os::Fd child_in, child_out;
  if (shell.terminal) {
    auto pty = os::OpenPty(size.rows, size.cols, O_NONBLOCK);
    if (!pty) return std::unexpected(pty.error());
    child_in = std::move(pty->second);
    shell.input = os::Fd(::fcntl(pty->first.get(), F_DUPFD_CLOEXEC, 0));
    if (!shell.input) return os::FailErrno("dup the pseudo-terminal");
    shell.output = std::move(pty->first);
  } else {
    auto in = os::Pipe(), out = os::Pipe();
    if (!in) return std::unexpected(in.error());
    if (!out) return std::unexpected(out.error());
    child_in = std::move(in->first);
    shell.input = std::move(in->second);
    shell.output = std::move(out->first);
    child_out = std::move(out->second);
    ::fcntl(shell.input.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(shell.output.get(), F_SETFL, O_NONBLOCK);
  }
  const int in_fd = child_in.get(), out_fd = child_out ? child_out.get() : child_in.get();
  // Built before the fork: the child only makes system calls.
  const char* argv[] = {"sh", nullptr};
  const char* envp[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", "TERM=linux",
                        "PS1=vc-guest:\\w# ", nullptr};
  shell.pid = ::fork();
  if (shell.pid < 0) return os::FailErrno("fork the debug console's shell");
  if (shell.pid == 0) {
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::setsid();
    if (shell.terminal) ::ioctl(in_fd, TIOCSCTTY, 0);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    if (::chdir("/") != 0) ::_exit(127);
    ::execve(kShell, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    ::_exit(127);
  }
  return shell;
}

}  // namespace

bool DebugConsoleRequested() {
  auto cmdline = os::ReadFile("/proc/cmdline");
  if (!cmdline) return false;
  const std::string param = console::kKernelParam;
  for (size_t at = 0; (at = cmdline->find(param, at)) != std::string::npos; at += param.size()) {
    const bool starts = at == 0 || (*cmdline)[at - 1] == ' ';
    const size_t end = at + param.size();
    if (starts && (end == cmdline->size() || std::isspace(static_cast<unsigned char>((*cmdline)[end])))) return true;
  }
  return false;
}

// One host connection: the port, the shell's input and output (its
// terminal's master twice, or two pipes) and how it ended.
struct DebugConsole::Session {
  Session(asio::any_io_executor ex, int port_fd) : port(ex, port_fd), input(ex), output(ex), changed(ex) {}
  asio::posix::stream_descriptor port;
  asio::posix::stream_descriptor input;
  asio::posix::stream_descriptor output;
  bool terminal = false;
  pid_t pid = 0;
  bool exited = false;
  int exit_code = 0;
  bool host_gone = false;
  os::Notifier changed;

  // The last descriptor of a terminal's master closing hangs it up: its
  // processes get SIGHUP.
  void Close() {
    asio::error_code ignored;
    input.close(ignored);
    output.close(ignored);
  }
};

void DebugConsole::OnExit(pid_t pid, int wait_status) {
  if (!session_ || session_->pid != pid || session_->exited) return;
  session_->exited = true;
  session_->exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  asio::error_code ignored;
  session_->output.cancel(ignored);
  session_->changed.Notify();
}

namespace {

asio::awaitable<bool> Send(asio::posix::stream_descriptor& port, console::Type type, std::string_view payload) {
  const std::string frame = console::Encode(type, payload);
  auto [ec, n] = co_await asio::async_write(port, asio::buffer(frame), vc::kTuple);
  co_return !ec;
}

// Host to shell: typed bytes, terminal sizes and the end of the input,
// until the host leaves.
asio::awaitable<void> PumpInput(std::shared_ptr<DebugConsole::Session> s, console::Parser parser) {
  char buf[4096];
  for (bool ok = true; ok;) {
    for (;;) {
      auto frame = parser.Next();
      if (!frame) {
        Log("debug console: " + frame.error().message);
        ok = false;
        break;
      }
      if (!*frame) break;
      const console::Type type = (*frame)->type;
      if (type == console::Type::kInput && s->input.is_open()) {
        co_await asio::async_write(s->input, asio::buffer((*frame)->payload), vc::kTuple);
      } else if (type == console::Type::kResize && s->terminal && s->output.is_open()) {
        if (auto size = console::ParseSize((*frame)->payload); size && size->rows && size->cols) {
          winsize ws{size->rows, size->cols, 0, 0};
          ::ioctl(s->output.native_handle(), TIOCSWINSZ, &ws);
        }
      } else if (type == console::Type::kEndOfInput && !s->terminal) {
        asio::error_code ignored;
        s->input.close(ignored);
      }
    }
    if (!ok) break;
    // A virtio-serial port reads end-of-file once the host side closed.
    auto [ec, n] = co_await s->port.async_read_some(asio::buffer(buf), vc::kTuple);
    if (ec) break;
    parser.Feed(std::string_view(buf, n));
  }
  s->Close();
  s->host_gone = true;
  s->changed.Notify();
}

}  // namespace

asio::awaitable<void> DebugConsole::RunSession(int port_fd) {
  auto s = std::make_shared<Session>(ex_, port_fd);
  console::Parser parser;
  char buf[4096];
  std::optional<console::Frame> hello;
  while (!hello) {
    auto [ec, n] = co_await s->port.async_read_some(asio::buffer(buf), vc::kTuple);
    if (ec) co_return;
    parser.Feed(std::string_view(buf, n));
    auto frame = parser.Next();
    if (!frame || (*frame && (*frame)->type != console::Type::kHello)) {
      Log("debug console: the host did not begin with a hello");
      co_return;
    }
    if (*frame) hello = std::move(**frame);
  }
  auto opened = console::ParseHello(hello->payload);
  if (!opened) {
    Log("debug console: " + opened.error().message);
    co_return;
  }
  if (!co_await Send(s->port, console::Type::kReady, opened->first)) co_return;
  auto shell = StartShell(opened->second);
  if (!shell) {
    const std::string why = "debug console: " + shell.error().message + "\r\n";
    Log(why.substr(0, why.size() - 2));
    const std::string code = console::ExitPayload(127);
    if (co_await Send(s->port, console::Type::kOutput, why)) co_await Send(s->port, console::Type::kExit, code);
  } else {
    s->pid = shell->pid;
    s->terminal = shell->terminal;
    s->input.assign(shell->input.release());
    s->output.assign(shell->output.release());
    session_ = s;
    Log("debug console: shell " + std::to_string(s->pid) + " started" + (s->terminal ? "" : " (no terminal)"));
    asio::co_spawn(ex_, PumpInput(s, std::move(parser)), asio::detached);
    // Shell to host, until the shell exits (processes it left may keep its
    // output open) or the host leaves.
    while (!s->exited && !s->host_gone) {
      auto [ec, n] = co_await s->output.async_read_some(asio::buffer(buf), vc::kTuple);
      if (ec) {
        // EIO or end-of-file: every writer closed it; wait for the exit.
        if (ec != asio::error::operation_aborted && !s->exited && !s->host_gone) co_await s->changed.Wait();
        continue;
      }
      if (!co_await Send(s->port, console::Type::kOutput, std::string_view(buf, n))) break;
    }
    if (s->exited && !s->host_gone) {
      // What the shell wrote last, then how it ended.
      for (ssize_t n; s->output.is_open() && (n = ::read(s->output.native_handle(), buf, sizeof buf)) > 0;)
        if (!co_await Send(s->port, console::Type::kOutput, std::string_view(buf, static_cast<size_t>(n)))) break;
      Log("debug console: shell " + std::to_string(s->pid) + " exited with " + std::to_string(s->exit_code));
      const std::string code = console::ExitPayload(s->exit_code);
      co_await Send(s->port, console::Type::kExit, code);
    }
    s->Close();
    // The host closes its side once it has the exit.
    while (!s->host_gone) co_await s->changed.Wait();
    if (!s->exited) ::kill(s->pid, SIGKILL);
    session_.reset();
  }
  asio::error_code ignored;
  s->port.close(ignored);
}

asio::awaitable<void> DebugConsole::Serve() {
  asio::steady_timer timer(ex_);
  std::string path;
  for (auto deadline = std::chrono::steady_clock::now() + kPortWait; (path = FindVirtioPort(console::kPortName)).empty();) {
    if (std::chrono::steady_clock::now() > deadline) {
      Log(std::string("debug console: no virtio-serial port ") + console::kPortName);
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(vc::kTuple);
  }
  Log("debug console on " + path);
  // The port signals (SIGIO) when the host connects: no polling while idle.
  asio::signal_set sigio(ex_, SIGIO);
  for (;;) {
    os::Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
      Log("debug console: open " + path + ": " + std::strerror(errno));
      co_return;
    }
    const int flags = ::fcntl(fd.get(), F_GETFL);
    ::fcntl(fd.get(), F_SETOWN, ::getpid());
    ::fcntl(fd.get(), F_SETFL, flags | O_ASYNC);
    while (!HostConnected(fd.get())) co_await sigio.async_wait(vc::kTuple);
    ::fcntl(fd.get(), F_SETFL, flags);
    co_await RunSession(fd.release());
  }
}

}  // namespace vc::agent

// `virtc sandbox console`: the guest's debug console on the caller's terminal.
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "common.h"

namespace vc::virtc {
namespace {

// Ctrl-]: leaves the console (as telnet's and virsh's escape do); the guest's
// shell is hung up.
constexpr char kLeave = 0x1d;

struct Terminal {
  bool raw = false;
  termios saved{};

  // Our terminal into raw mode: every key goes to the guest, Ctrl-C included.
  void MakeRaw() {
    if (!::isatty(0) || ::tcgetattr(0, &saved) != 0) return;
    termios t = saved;
    ::cfmakeraw(&t);
    raw = ::tcsetattr(0, TCSANOW, &t) == 0;
  }
  void Restore() const {
    if (raw) ::tcsetattr(0, TCSANOW, &saved);
  }
};

vc::Result<> WriteOut(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(1, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(vc::Error{vc::ErrorCode::kUnavailable, "write to stdout failed"});
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

int RunDebugConsole(Context& ctx, const std::string& sandbox_id) {
  // Handled by a thread of ours (resize; restore the terminal on the way
  // out): blocked in every thread, the library's among them.
  sigset_t handled;
  ::sigemptyset(&handled);
  for (int s : {SIGWINCH, SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&handled, s);
  ::pthread_sigmask(SIG_BLOCK, &handled, nullptr);

  // Our stdin a terminal: the shell gets one of its size (24x80 if ours has
  // none). Else it gets none and reads our stdin as a script.
  winsize size{};
  if (::isatty(0) && (::ioctl(0, TIOCGWINSZ, &size) != 0 || !size.ws_row || !size.ws_col)) size = {24, 80, 0, 0};
  auto rt = ctx.NewRuntime();
  auto opened = rt->OpenDebugConsole(sandbox_id, size.ws_row, size.ws_col);
  if (!opened) return Failed(opened.error());
  std::shared_ptr<vc::DebugConsole> console(std::move(*opened));

  static Terminal terminal;
  terminal.MakeRaw();
  if (terminal.raw) std::fprintf(stderr, "[guest of sandbox %s; Ctrl-] leaves]\r\n", sandbox_id.c_str());

  std::thread([console, handled] {
    for (;;) {
      int sig = 0;
      if (::sigwait(&handled, &sig) != 0) continue;
      if (sig == SIGWINCH) {
        winsize now{};
        if (::ioctl(0, TIOCGWINSZ, &now) == 0) (void)console->Resize(now.ws_row, now.ws_col);
        continue;
      }
      terminal.Restore();
      std::_Exit(128 + sig);
    }
  }).detach();

  // Our stdin to the guest; at its end, the end of the shell's input (as
  // `ssh host <script`: a script piped in runs, then the shell exits).
  std::thread([console] {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(0, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        (void)console->CloseInput();
        return;
      }
      std::string_view keys(buf, static_cast<size_t>(n));
      if (terminal.raw && keys.find(kLeave) != std::string_view::npos) {
        terminal.Restore();
        std::fprintf(stderr, "\n[left the debug console; its shell is hung up]\n");
        std::_Exit(0);
      }
      if (!console->Write(keys)) return;
    }
  }).detach();

  for (;;) {
    auto out = console->Read();
    if (!out) {
      terminal.Restore();
      return Failed(out.error());
    }
    if (out->ended) {
      terminal.Restore();
      return out->exit_code;
    }
    if (!WriteOut(out->data)) {
      terminal.Restore();
      return 1;
    }
  }
}

}  // namespace vc::virtc

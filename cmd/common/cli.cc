// What the command-line programs share.
#include "cli.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <thread>

namespace vc::cli {

std::string DefaultGuestDir() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "guest";
  std::filesystem::path exe(std::string(self, static_cast<size_t>(n)));
  return (exe.parent_path().parent_path() / "guest").string();
}

int SignalNumber(const std::string& name) {
  if (name.empty()) return -1;
  if (std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (name.size() > 3) return -1;
    int n = std::stoi(name);
    return n >= 1 && n < NSIG ? n : -1;
  }
  std::string upper;
  for (unsigned char c : name) upper += static_cast<char>(std::toupper(c));
  if (upper.starts_with("SIG")) upper.erase(0, 3);
  for (int s = 1; s < NSIG; ++s) {
    const char* abbrev = ::sigabbrev_np(s);
    if (abbrev && upper == abbrev) return s;
  }
  return -1;
}

vc::Result<int> Relay(std::shared_ptr<vc::Process> process, bool forward_stdin) {
  auto pump = [process](bool err) {
    for (;;) {
      auto chunk = err ? process->ReadStderr() : process->ReadStdout();
      if (!chunk) return;
      const int fd = err ? 2 : 1;
      for (size_t off = 0; off < chunk->data.size();) {
        ssize_t n = ::write(fd, chunk->data.data() + off, chunk->data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // nobody reads it any more: drop the rest
        off += static_cast<size_t>(n);
      }
      if (chunk->eof) return;
    }
  };
  std::thread out(pump, false), err(pump, true);
  if (forward_stdin) {
    // Detached: it may sit in read(0) after the process ended.
    std::thread([process] {
      char buf[16384];
      for (;;) {
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !process->WriteStdin({buf, static_cast<size_t>(n)})) break;
      }
      (void)process->CloseStdin();
    }).detach();
  }
  auto status = process->Wait();
  out.join();
  err.join();
  return status;
}

}  // namespace vc::cli

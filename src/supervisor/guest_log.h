// The guest's console on the host. QEMU writes the guest's serial console
// (the kernel's messages and the agent's log lines) into a pipe; the
// supervisor reads it and puts each line
//   - into console.log, bounded: past kFileCap bytes the file becomes
//     console.log.1 (replacing the one before) and a new one starts, so a
//     chatty guest holds at most twice that on the host's disk;
//   - into its own log (supervisor.log, with the sandbox id): the agent's
//     lines at their own level, the kernel's at info, each prefixed "guest: ",
//     up to kForwardCap bytes per sandbox, then one line saying the rest is
//     in console.log only; the same lines also to a second output when the
//     caller gave one (the shim's: containerd's log), never blocking on it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "os/asio.h"
#include "os/fd.h"
#include "os/log.h"
#include "vc/result.h"

namespace vc::supervisor {

// A console line as the supervisor logs it.
struct GuestLine {
  log::Level level = log::Level::kInfo;
  std::string message;
};
// The agent writes logfmt (time=... level=... msg=... uptime=... sandbox=...):
// its level and msg; any other line (the kernel's) is an info message as is.
GuestLine ParseGuestLine(std::string_view line);

class GuestLog : public std::enable_shared_from_this<GuestLog> {
 public:
  static constexpr size_t kFileCap = 1 << 20;
  static constexpr size_t kForwardCap = 256 << 10;

  // A pipe for QEMU's console and the reader of its other end, on `ex`.
  static Result<std::shared_ptr<GuestLog>> Open(asio::any_io_executor ex, std::string path);

  // The end QEMU writes (give it to QEMU, then CloseWriteEnd()).
  int write_fd() const { return write_.get(); }
  void CloseWriteEnd() { write_.reset(); }

  // Also forwards the lines to `fd` (non-blocking: a line that does not fit
  // now is dropped there, kept in console.log).
  void MirrorTo(os::Fd fd) { mirror_ = std::move(fd); }

  // Reads lines as they come, until QEMU closes its end.
  void Start();
  // Takes in what is in the pipe now, without waiting (before reading
  // console.log when the VM died).
  void Drain();

 private:
  GuestLog(asio::any_io_executor ex, os::Fd read, os::Fd write, std::string path);
  static asio::awaitable<void> Pump(std::shared_ptr<GuestLog> self);
  void Take(std::string_view bytes);
  void Line(std::string_view line);

  asio::posix::stream_descriptor read_;
  os::Fd write_;
  std::string path_;
  os::Fd file_;
  os::Fd mirror_;
  size_t file_bytes_ = 0;
  size_t forwarded_ = 0;
  std::string partial_;
};

}  // namespace vc::supervisor

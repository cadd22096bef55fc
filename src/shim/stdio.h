// A process's stdio between containerd's FIFOs and the guest agent: output
// long-polled from the agent and written to the stdout/stderr FIFOs, the stdin
// FIFO read and written to the agent. Coroutines on the shim's event loop; no
// thread per stream. Not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/async_agent.h"
#include "os/asio.h"
#include "shim/types.h"

namespace vc::shim {

class Stdio : public std::enable_shared_from_this<Stdio> {
 public:
  // Opens the FIFOs named in `paths` (empty paths: not attached); never blocks.
  static Result<std::shared_ptr<Stdio>> Open(asio::any_io_executor ex, const StdioPaths& paths);

  // Starts copying for process `exec_id` ("" for init) of container `id`.
  void Start(std::shared_ptr<agent::AsyncAgent> agent, std::string id, std::string exec_id);
  // Completes when stdout and stderr have ended (every holder in the guest
  // closed them), or after `limit`, whichever is first.
  asio::awaitable<void> WaitOutput(std::chrono::milliseconds limit);
  // containerd's CloseIO: what was written to the stdin FIFO so far still
  // reaches the process, then its stdin is closed.
  void CloseStdin();
  // Stops copying and closes the FIFOs, so containerd's readers see the end.
  void Close();

 private:
  using Fifo = asio::posix::stream_descriptor;
  explicit Stdio(asio::any_io_executor ex) : ex_(ex), output_done_(ex) {
    output_done_.expires_at(asio::steady_timer::time_point::max());
  }

  static asio::awaitable<void> PumpOutput(std::shared_ptr<Stdio> self, bool stderr_stream);
  static asio::awaitable<void> PumpInput(std::shared_ptr<Stdio> self);
  // Forwards what the stdin FIFO holds right now, without waiting.
  asio::awaitable<bool> DrainInput();

  asio::any_io_executor ex_;
  std::shared_ptr<agent::AsyncAgent> agent_;
  std::string id_;
  std::string exec_id_;
  std::optional<Fifo> stdin_;
  std::optional<Fifo> stdout_;
  std::optional<Fifo> stderr_;
  int outputs_open_ = 2;
  asio::steady_timer output_done_;  // cancelled whenever an output stream ends
  bool close_stdin_ = false;
};

}  // namespace vc::shim

// Buffered process output for the agent's single-threaded event loop.
#pragma once

#include "os/asio.h"
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "os/fd.h"
#include "os/notifier.h"

namespace vc::agent {

using os::Notifier;

// Drains a process's stdout or stderr pipe into memory, so a detached process
// never blocks on a full pipe while nobody reads; readers take the bytes later.
// Above kCap unread bytes the pump pauses and the process blocks, as on a pipe.
class OutputBuffer : public std::enable_shared_from_this<OutputBuffer> {
 public:
  static constexpr size_t kCap = 1 << 20;

  OutputBuffer(asio::any_io_executor ex, os::Fd fd)
      : pipe_(ex, fd.release()), changed_(ex) {}

  void Start() { asio::co_spawn(pipe_.get_executor(), Pump(shared_from_this()), asio::detached); }

  // Up to `max` bytes; waits while nothing is buffered and the pipe is open.
  // eof is true once the pipe closed and everything was read.
  asio::awaitable<std::pair<std::string, bool>> Read(size_t max) {
    auto self = shared_from_this();
    while (data_.empty() && !eof_) co_await changed_.Wait();
    std::string out = data_.substr(0, max);
    data_.erase(0, out.size());
    changed_.Notify();
    co_return std::pair{std::move(out), eof_ && data_.empty()};
  }

 private:
  static asio::awaitable<void> Pump(std::shared_ptr<OutputBuffer> self) {
    char buf[16384];
    for (;;) {
      while (self->data_.size() >= kCap) co_await self->changed_.Wait();
      auto [ec, n] = co_await self->pipe_.async_read_some(asio::buffer(buf),
                                                         vc::kTuple);
      if (ec) break;
      self->data_.append(buf, n);
      self->changed_.Notify();
    }
    self->eof_ = true;
    self->changed_.Notify();
  }

  asio::posix::stream_descriptor pipe_;
  std::string data_;
  bool eof_ = false;
  Notifier changed_;
};

}  // namespace vc::agent

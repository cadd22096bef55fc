// A byte stream (socket, virtio-serial port) carrying ttRPC frames, for
// single-threaded Asio event loops: ReadFrame() awaits the next whole frame;
// Send() queues a frame and a writer coroutine drains the queue in order, so
// concurrent handlers never interleave bytes.
#pragma once

#include "os/asio.h"
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "ttrpc/frame.h"

namespace vc::ttrpc {

template <typename Stream>
class FramedStream : public std::enable_shared_from_this<FramedStream<Stream>> {
 public:
  explicit FramedStream(Stream stream) : stream_(std::move(stream)) {}

  Stream& stream() { return stream_; }
  bool closed() const { return closed_; }

  // The next frame, or nothing once the peer closed the stream or it failed.
  asio::awaitable<std::optional<Frame>> ReadFrame() {
    for (;;) {
      if (auto frame = decoder_.Next()) co_return frame;
      if (closed_) co_return std::nullopt;
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buf_),
                                                      vc::kTuple);
      if (ec) {
        closed_ = true;
        co_return std::nullopt;
      }
      decoder_.Feed({buf_, n});
    }
  }

  void Send(std::string frame) {
    if (closed_) return;
    queue_.push_back(std::move(frame));
    if (writing_) return;
    writing_ = true;
    asio::co_spawn(stream_.get_executor(), DrainQueue(this->shared_from_this()), asio::detached);
  }

  void Close() {
    closed_ = true;
    asio::error_code ignored;
    stream_.close(ignored);
  }

 private:
  static asio::awaitable<void> DrainQueue(std::shared_ptr<FramedStream> self) {
    while (!self->queue_.empty() && !self->closed_) {
      auto [ec, n] = co_await asio::async_write(self->stream_, asio::buffer(self->queue_.front()),
                                                vc::kTuple);
      if (ec) {
        self->closed_ = true;
        break;
      }
      self->queue_.pop_front();
    }
    self->queue_.clear();
    self->writing_ = false;
  }

  Stream stream_;
  FrameDecoder decoder_;
  char buf_[64 * 1024];
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace vc::ttrpc

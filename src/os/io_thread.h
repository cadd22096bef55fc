// An Asio event loop on a thread of its own, so that blocking callers can use
// coroutine code: Run() spawns a coroutine there and waits for its result.
// Thread-safe: any number of threads may Run() at once.
#pragma once

#include <future>
#include <thread>
#include <utility>

#include "os/asio.h"

namespace vc::os {

class IoThread {
 public:
  IoThread() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  asio::any_io_executor executor() { return io_.get_executor(); }

  template <typename T>
  T Run(asio::awaitable<T> op) {
    return asio::co_spawn(io_, std::move(op), asio::use_future).get();
  }
  // Runs `fn` on the loop's thread and waits for it.
  template <typename Fn>
  void Call(Fn fn) {
    std::promise<void> done;
    asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace vc::os

// An Asio event loop on a thread of its own, so that blocking callers can use
// coroutine code: Run() spawns a coroutine there and waits for its result.
// Thread-safe: any number of threads may Run() at once.
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
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

  // (Not std::future: its typeinfo would leave the shared library.)
  template <typename T>
  T Run(asio::awaitable<T> op) {
    Waiter<T> waiter;
    asio::co_spawn(io_, std::move(op), [&waiter](std::exception_ptr e, T value) {
      if (e) std::terminate();  // the project's coroutines return errors, never throw
      waiter.Set(std::move(value));
    });
    return waiter.Get();
  }
  // Runs `fn` on the loop's thread and waits for it.
  template <typename Fn>
  void Call(Fn fn) {
    Waiter<bool> waiter;
    asio::post(io_, [&] {
      fn();
      waiter.Set(true);
    });
    waiter.Get();
  }

 private:
  template <typename T>
  class Waiter {
   public:
    void Set(T value) {
      std::lock_guard lock(mu_);
      value_ = std::move(value);
      cv_.notify_one();
    }
    T Get() {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return value_.has_value(); });
      return std::move(*value_);
    }

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::optional<T> value_;
  };

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace vc::os

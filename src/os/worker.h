// One worker thread for blocking calls made from a single-threaded Asio event
// loop: the loop's coroutine awaits the result without blocking the loop.
// Jobs run one at a time, in order.
#pragma once

#include <functional>
#include <optional>

#include "os/asio.h"

namespace vc::os {

// A blocking call for the worker. Declare it as a local and then
// `co_await worker.Run(&job)`: GCC 12 destroys the captures of a lambda
// written inside a co_await expression twice.
template <typename R>
struct Job {
  explicit Job(std::function<R()> f) : fn(std::move(f)) {}
  std::function<R()> fn;
  std::optional<R> result;
};

class Worker {
 public:
  // `loop`: where the awaiting coroutines run.
  explicit Worker(asio::any_io_executor loop) : loop_(std::move(loop)) {}

  template <typename R>
  asio::awaitable<R> Run(Job<R>* job) {
    asio::steady_timer done(loop_, asio::steady_timer::time_point::max());
    asio::post(pool_, [this, job, &done] {
      R result = job->fn();
      asio::post(loop_, [job, &done, result = std::move(result)]() mutable {
        job->result = std::move(result);
        done.cancel();
      });
    });
    while (!job->result) co_await done.async_wait(vc::kTuple);
    co_return std::move(*job->result);
  }

  // Waits for the job in progress, if any, and ends the thread.
  void Join() { pool_.join(); }

 private:
  asio::any_io_executor loop_;
  asio::thread_pool pool_{1};
};

}  // namespace vc::os

// A wake-up for coroutines on one Asio thread: Wait() suspends until someone
// calls Notify(); every waiter wakes.
#pragma once

#include "os/asio.h"

namespace vc::os {

class Notifier {
 public:
  explicit Notifier(asio::any_io_executor ex) : timer_(ex) {
    timer_.expires_at(asio::steady_timer::time_point::max());
  }
  asio::awaitable<void> Wait() { co_await timer_.async_wait(vc::kTuple); }
  void Notify() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

}  // namespace vc::os

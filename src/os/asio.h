// Asio with C++20 coroutines, as the project's event-loop programs use it.
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

namespace vc {

// Completion token for `auto [ec, n] = co_await op(..., vc::kTuple);`: errors
// come back as values instead of exceptions.
inline constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace vc

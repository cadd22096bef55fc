// ttRPC client for Asio event loops: unary calls as coroutines, any number in
// flight on one connection (odd stream ids), each response routed to its
// caller by a reader coroutine. When the connection dies, every pending and
// later call fails with kUnavailable.
//
// Not thread-safe: use it from the one thread that runs its executor.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "os/asio.h"
#include "os/fd.h"
#include "ttrpc/framed_stream.h"
#include "vc/result.h"

namespace vc::ttrpc {

class AsyncClient : public std::enable_shared_from_this<AsyncClient> {
 public:
  using Socket = asio::local::stream_protocol::socket;

  // `fd`: a connected unix stream socket. Starts reading at once.
  static std::shared_ptr<AsyncClient> Create(asio::any_io_executor ex, os::Fd fd);

  // One unary request; the payload and the returned bytes are serialized
  // protobuf messages. Errors carry "<service>/<method>: " context.
  asio::awaitable<Result<std::string>> Call(std::string service, std::string method,
                                            std::string payload,
                                            std::chrono::milliseconds timeout);

  ~AsyncClient();
  // Closes the connection; pending calls fail. Dropping the last reference
  // closes it too.
  void Close();
  bool dead() const { return dead_.has_value(); }

 private:
  struct Pending {
    explicit Pending(asio::any_io_executor ex) : timer(ex) {}
    std::optional<Result<std::string>> result;
    asio::steady_timer timer;  // expires at the deadline; cancelled when the result arrives
  };

  explicit AsyncClient(Socket socket);
  static asio::awaitable<void> ReadLoop(std::weak_ptr<AsyncClient> weak,
                                        std::shared_ptr<FramedStream<Socket>> conn);
  void FailAll(const std::string& why);

  std::shared_ptr<FramedStream<Socket>> conn_;
  uint32_t next_stream_id_ = 1;
  std::map<uint32_t, std::shared_ptr<Pending>> pending_;
  std::optional<std::string> dead_;  // why the connection died
};

}  // namespace vc::ttrpc

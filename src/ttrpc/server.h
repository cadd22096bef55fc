// ttRPC server side for single-threaded Asio event loops: a table of unary
// methods and a connection loop that runs each request as its own coroutine,
// so a long call (WaitProcess) never blocks the others.
#pragma once

#include <fcntl.h>

#include "os/asio.h"
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "ttrpc.pb.h"
#include "ttrpc/framed_stream.h"
#include "ttrpc/status.h"
#include "vc/result.h"

namespace vc::ttrpc {

// A method handler gets the serialized request message and returns the
// serialized response message or an error.
using Handler = std::function<asio::awaitable<Result<std::string>>(std::string payload)>;

class MethodTable {
 public:
  void Add(const std::string& service, const std::string& method, Handler handler) {
    table_[{service, method}] = std::move(handler);
  }
  const Handler* Find(const std::string& service, const std::string& method) const {
    auto it = table_.find({service, method});
    return it == table_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::pair<std::string, std::string>, Handler> table_;
};

// Adapts a typed handler (Request message -> awaitable<Result<Response
// message>>) to the byte-level table; a request that does not parse is
// answered with kInvalidArgument.
template <typename Req, typename Fn>
Handler Typed(Fn fn) {
  return [fn](std::string payload) -> asio::awaitable<Result<std::string>> {
    Req request;
    if (!request.ParseFromString(payload))
      co_return Fail(ErrorCode::kInvalidArgument, "malformed " + request.GetTypeName());
    auto response = co_await fn(std::move(request));
    if (!response) co_return std::unexpected(response.error());
    co_return response->SerializeAsString();
  };
}

// Serves requests from one stream until the peer closes it.
// REQUIRES: `methods` outlives the returned coroutine.
template <typename Stream>
asio::awaitable<void> ServeConnection(std::shared_ptr<FramedStream<Stream>> conn,
                                      const MethodTable& methods) {
  auto executor = co_await asio::this_coro::executor;
  while (auto frame = co_await conn->ReadFrame()) {
    const uint32_t id = frame->header.stream_id;
    if (frame->header.type != static_cast<uint8_t>(MessageType::kRequest)) continue;
    auto reply = [conn, id](const std::string& response) {
      conn->Send(EncodeFrame(id, MessageType::kResponse, response));
    };
    if (frame->oversized) {
      reply(EncodeErrorResponse(Code::kResourceExhausted,
                                "request of " + std::to_string(frame->header.length) +
                                    " bytes exceeds the 4 MiB limit"));
      continue;
    }
    Request request;
    if (!request.ParseFromString(frame->payload)) {
      reply(EncodeErrorResponse(Code::kInvalidArgument, "malformed request frame"));
      continue;
    }
    const Handler* handler = methods.Find(request.service(), request.method());
    if (!handler) {
      reply(EncodeErrorResponse(Code::kUnimplemented,
                                "unknown method " + request.service() + "/" + request.method()));
      continue;
    }
    asio::co_spawn(
        executor,
        [handler, reply, payload = std::move(*request.mutable_payload())]() mutable
        -> asio::awaitable<void> {
          Result<std::string> result = co_await (*handler)(std::move(payload));
          if (result && result->size() > kMaxMessageSize - 64)
            result = Fail(ErrorCode::kInternal, "response exceeds the 4 MiB limit");
          reply(EncodeResponse(result));
        },
        asio::detached);
  }
}

// Accepts connections and serves each with `methods` until the acceptor is
// closed. Accepted sockets are made close-on-exec, so no child process keeps
// a client's connection open. REQUIRES: `methods` outlives the coroutine.
template <typename Acceptor>
asio::awaitable<void> ServeAcceptor(Acceptor& acceptor, const MethodTable& methods) {
  using Socket = typename Acceptor::protocol_type::socket;
  auto executor = co_await asio::this_coro::executor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(vc::kTuple);
    if (ec) co_return;
    ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
    auto conn = std::make_shared<FramedStream<Socket>>(std::move(socket));
    asio::co_spawn(executor, ServeConnection(conn, methods), asio::detached);
  }
}

}  // namespace vc::ttrpc

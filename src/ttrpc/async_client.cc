#include "ttrpc/async_client.h"

#include "ttrpc/status.h"

namespace vc::ttrpc {

AsyncClient::AsyncClient(Socket socket)
    : conn_(std::make_shared<FramedStream<Socket>>(std::move(socket))) {}

std::shared_ptr<AsyncClient> AsyncClient::Create(asio::any_io_executor ex, os::Fd fd) {
  std::shared_ptr<AsyncClient> client(
      new AsyncClient(Socket(ex, asio::local::stream_protocol(), fd.release())));
  asio::co_spawn(ex, ReadLoop(client, client->conn_), asio::detached);
  return client;
}

asio::awaitable<Result<std::string>> AsyncClient::Call(std::string service, std::string method,
                                                       std::string payload,
                                                       std::chrono::milliseconds timeout) {
  auto self = shared_from_this();  // alive until the answer comes
  const std::string what = service + "/" + method;
  if (dead_) co_return Fail(ErrorCode::kUnavailable, what + ": " + *dead_);
  std::string body = EncodeRequest(service, method, payload, timeout);
  if (body.size() > kMaxMessageSize)
    co_return Fail(ErrorCode::kInvalidArgument, what + ": request exceeds the 4 MiB ttrpc limit");
  const uint32_t id = next_stream_id_;
  next_stream_id_ += 2;
  auto pending = std::make_shared<Pending>(co_await asio::this_coro::executor);
  pending->timer.expires_after(timeout);
  pending_[id] = pending;
  conn_->Send(EncodeFrame(id, MessageType::kRequest, body));
  co_await pending->timer.async_wait(vc::kTuple);
  if (!pending->result) {
    pending_.erase(id);  // a late answer is dropped
    co_return Fail(ErrorCode::kDeadlineExceeded,
                   what + ": no answer within " + std::to_string(timeout.count()) + " ms");
  }
  if (!*pending->result) co_return std::unexpected(pending->result->error().Wrap(what));
  co_return std::move(**pending->result);
}

AsyncClient::~AsyncClient() { conn_->Close(); }

asio::awaitable<void> AsyncClient::ReadLoop(std::weak_ptr<AsyncClient> weak,
                                            std::shared_ptr<FramedStream<Socket>> conn) {
  while (auto frame = co_await conn->ReadFrame()) {
    auto self = weak.lock();
    if (!self) co_return;
    if (frame->header.type != static_cast<uint8_t>(MessageType::kResponse)) continue;
    auto it = self->pending_.find(frame->header.stream_id);
    if (it == self->pending_.end()) continue;  // its caller gave up (timeout)
    it->second->result = DecodeResponse(*frame);
    it->second->timer.cancel();
    self->pending_.erase(it);
  }
  if (auto self = weak.lock()) self->FailAll("connection closed by peer");
}

void AsyncClient::Close() {
  conn_->Close();
  FailAll("connection closed");
}

void AsyncClient::FailAll(const std::string& why) {
  if (!dead_) dead_ = why;
  for (auto& [id, pending] : pending_) {
    pending->result = Fail(ErrorCode::kUnavailable, why);
    pending->timer.cancel();
  }
  pending_.clear();
}

}  // namespace vc::ttrpc

#include "forward.h"

namespace vc::agent {

namespace {

// Unread bytes of one connection above which its reading pauses (the guest's
// sender then blocks, as on a slow client).
constexpr size_t kCap = 1 << 20;

}  // namespace

asio::awaitable<Result<uint32_t>> Forwards::Open(uint32_t port) {
  if (port == 0 || port > 65535) co_return Fail(ErrorCode::kInvalidArgument, "port " + std::to_string(port));
  auto c = std::make_shared<Connection>(ex_);
  const asio::ip::tcp::endpoint target(asio::ip::address_v4::loopback(), static_cast<uint16_t>(port));
  auto [ec] = co_await c->socket.async_connect(target, vc::kTuple);
  if (ec)
    co_return Fail(ErrorCode::kUnavailable, "port " + std::to_string(port) + " in the pod: " + ec.message());
  const uint32_t id = next_id_++;
  connections_[id] = c;
  asio::co_spawn(ex_, Pump(c), asio::detached);
  co_return id;
}

asio::awaitable<void> Forwards::Pump(std::shared_ptr<Connection> c) {
  char buf[16384];
  for (;;) {
    while (c->received.size() >= kCap && c->socket.is_open()) co_await c->changed.Wait();
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(buf), vc::kTuple);
    if (ec) break;
    c->received.append(buf, n);
    c->changed.Notify();
  }
  c->eof = true;
  c->changed.Notify();
}

Result<std::shared_ptr<Forwards::Connection>> Forwards::Find(uint32_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return Fail(ErrorCode::kNotFound, "forwarded connection " + std::to_string(id));
  return it->second;
}

asio::awaitable<Result<>> Forwards::Write(uint32_t id, std::string data, bool close_write) {
  auto c = Find(id);
  if (!c) co_return std::unexpected(c.error());
  auto conn = *c;
  if (!data.empty()) {
    auto [ec, n] = co_await asio::async_write(conn->socket, asio::buffer(data), vc::kTuple);
    if (ec) co_return Fail(ErrorCode::kUnavailable, "forwarded connection " + std::to_string(id) + ": " + ec.message());
  }
  if (close_write) {
    asio::error_code ignored;
    conn->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
  co_return Result<>{};
}

asio::awaitable<Result<std::pair<std::string, bool>>> Forwards::Read(uint32_t id) {
  auto c = Find(id);
  if (!c) co_return std::unexpected(c.error());
  auto conn = *c;
  while (conn->received.empty() && !conn->eof) co_await conn->changed.Wait();
  std::string out = std::move(conn->received);
  conn->received.clear();
  conn->changed.Notify();
  co_return std::pair{std::move(out), conn->eof};
}

void Forwards::Close(uint32_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  asio::error_code ignored;
  it->second->socket.close(ignored);
  it->second->changed.Notify();
  connections_.erase(it);
}

}  // namespace vc::agent

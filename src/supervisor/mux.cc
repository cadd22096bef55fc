#include "supervisor/mux.h"

#include "ttrpc/status.h"

namespace vc::supervisor {

Mux::Mux(std::shared_ptr<Conn> upstream, std::function<void()> on_agent_lost)
    : upstream_(std::move(upstream)), on_agent_lost_(std::move(on_agent_lost)) {}

uint32_t Mux::NextId() {
  uint32_t id = next_id_;
  next_id_ += 2;
  if (next_id_ >= 0x7fffffffu) next_id_ = 1;
  return id;
}

asio::awaitable<void> Mux::RunUpstream() {
  while (auto frame = co_await upstream_->ReadFrame()) {
    auto it = routes_.find(frame->header.stream_id);
    if (it == routes_.end()) continue;  // a client that left, or a late answer to a retried check
    bool final = frame->header.type == static_cast<uint8_t>(ttrpc::MessageType::kResponse);
    if (it->second.internal) {
      auto callback = std::move(it->second.internal);
      routes_.erase(it);
      callback(std::move(*frame));
      continue;
    }
    if (auto client = it->second.client.lock()) {
      client->Send(ttrpc::EncodeFrame(it->second.client_stream,
                                      static_cast<ttrpc::MessageType>(frame->header.type),
                                      frame->payload, frame->header.flags));
    }
    if (final) routes_.erase(it);
  }
  routes_.clear();
  if (on_agent_lost_) on_agent_lost_();
}

asio::awaitable<void> Mux::ServeClient(std::shared_ptr<Conn> client) {
  while (auto frame = co_await client->ReadFrame()) {
    if (frame->oversized) {
      client->Send(ttrpc::EncodeFrame(
          frame->header.stream_id, ttrpc::MessageType::kResponse,
          ttrpc::EncodeErrorResponse(ttrpc::Code::kResourceExhausted,
                                     "request exceeds the 4 MiB limit")));
      continue;
    }
    if (upstream_->closed()) {
      client->Send(ttrpc::EncodeFrame(
          frame->header.stream_id, ttrpc::MessageType::kResponse,
          ttrpc::EncodeErrorResponse(ttrpc::Code::kUnavailable, "the VM's agent is gone")));
      continue;
    }
    uint32_t id = NextId();
    routes_[id] = Route{client, frame->header.stream_id, nullptr};
    upstream_->Send(ttrpc::EncodeFrame(id, static_cast<ttrpc::MessageType>(frame->header.type),
                                       frame->payload, frame->header.flags));
  }
}

void Mux::CallInternal(const std::string& request_bytes,
                       std::function<void(ttrpc::Frame)> on_response) {
  uint32_t id = NextId();
  routes_[id] = Route{{}, 0, std::move(on_response)};
  upstream_->Send(ttrpc::EncodeFrame(id, ttrpc::MessageType::kRequest, request_bytes));
}

}  // namespace vc::supervisor

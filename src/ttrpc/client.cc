#include "ttrpc/client.h"

#include <sys/socket.h>
#include <unistd.h>

#include "os/file.h"
#include "ttrpc.pb.h"
#include "ttrpc/frame.h"
#include "ttrpc/status.h"

namespace vc::ttrpc {

Client::Client(os::Fd fd) : fd_(std::move(fd)), reader_([this] { ReadLoop(); }) {}

Client::~Client() {
  ::shutdown(fd_.get(), SHUT_RDWR);
  reader_.join();
}

Result<std::string> Client::Call(const std::string& service, const std::string& method,
                                 const std::string& payload, std::chrono::milliseconds timeout) {
  const std::string what = service + "/" + method;
  Request request;
  request.set_service(service);
  request.set_method(method);
  request.set_payload(payload);
  request.set_timeout_nano(std::chrono::nanoseconds(timeout).count());
  std::string body = request.SerializeAsString();
  if (body.size() > kMaxMessageSize)
    return Fail(ErrorCode::kInvalidArgument, what + ": request exceeds the 4 MiB ttrpc limit");

  auto pending = std::make_shared<Pending>();
  uint32_t id;
  {
    std::lock_guard lock(mu_);
    if (dead_) return Fail(ErrorCode::kUnavailable, what + ": " + *dead_);
    id = next_stream_id_;
    next_stream_id_ += 2;
    pending_[id] = pending;
  }
  {
    std::lock_guard lock(write_mu_);
    auto sent = os::WriteAll(fd_.get(), EncodeFrame(id, MessageType::kRequest, body));
    if (!sent) {
      std::lock_guard l(mu_);
      pending_.erase(id);
      return Fail(ErrorCode::kUnavailable, what + ": send: " + sent.error().message);
    }
  }
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return pending->result.has_value(); })) {
    pending_.erase(id);
    return Fail(ErrorCode::kDeadlineExceeded,
                what + ": no answer within " + std::to_string(timeout.count()) + " ms");
  }
  if (!*pending->result) return std::unexpected(pending->result->error().Wrap(what));
  return std::move(**pending->result);
}

void Client::ReadLoop() {
  FrameDecoder decoder;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      FailAll(n == 0 ? "connection closed by peer" : "connection error");
      return;
    }
    decoder.Feed({buf, static_cast<size_t>(n)});
    while (auto frame = decoder.Next()) {
      if (frame->header.type != static_cast<uint8_t>(MessageType::kResponse)) continue;
      Result<std::string> result;
      Response response;
      if (frame->oversized) {
        result = Fail(ErrorCode::kInternal, "response exceeds the 4 MiB ttrpc limit");
      } else if (!response.ParseFromString(frame->payload)) {
        result = Fail(ErrorCode::kInternal, "malformed response frame");
      } else if (response.has_status() && response.status().code() != 0) {
        result = Fail(FromCode(response.status().code()), response.status().message());
      } else {
        result = std::move(*response.mutable_payload());
      }
      std::lock_guard lock(mu_);
      auto it = pending_.find(frame->header.stream_id);
      if (it == pending_.end()) continue;  // its caller gave up (timeout)
      it->second->result = std::move(result);
      pending_.erase(it);
      cv_.notify_all();
    }
  }
}

void Client::FailAll(const std::string& why) {
  std::lock_guard lock(mu_);
  dead_ = why;
  for (auto& [id, pending] : pending_) pending->result = Fail(ErrorCode::kUnavailable, why);
  pending_.clear();
  cv_.notify_all();
}

}  // namespace vc::ttrpc

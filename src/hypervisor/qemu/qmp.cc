#include "hypervisor/qemu/qmp.h"

#include <poll.h>
#include <unistd.h>

#include "os/error.h"
#include "os/file.h"
#include "os/socket.h"

namespace vc::hypervisor::qemu {

Result<QmpClient> QmpClient::Connect(const std::string& socket_path,
                                     std::chrono::milliseconds timeout) {
  auto fd = os::ConnectUnix(socket_path);
  if (!fd) return std::unexpected(fd.error().Wrap("QMP"));
  QmpClient client(std::move(*fd), timeout);
  auto greeting = client.ReadMessage();
  if (!greeting) return std::unexpected(greeting.error().Wrap("QMP greeting"));
  if (!greeting->contains("QMP"))
    return Fail(ErrorCode::kInternal, "QMP: unexpected greeting " + greeting->dump());
  if (auto caps = client.Execute("qmp_capabilities"); !caps) return std::unexpected(caps.error());
  return client;
}

Result<nlohmann::json> QmpClient::Execute(const std::string& command,
                                          const nlohmann::json& arguments) {
  nlohmann::json request = {{"execute", command}};
  if (!arguments.is_null()) request["arguments"] = arguments;
  if (auto sent = os::WriteAll(fd_.get(), request.dump() + "\n"); !sent)
    return std::unexpected(sent.error().Wrap("QMP " + command));
  for (;;) {
    auto message = ReadMessage();
    if (!message) return std::unexpected(message.error().Wrap("QMP " + command));
    if (message->contains("event")) continue;
    if (message->contains("error")) {
      const auto& e = (*message)["error"];
      return Fail(ErrorCode::kInternal,
                  "QMP " + command + ": " + e.value("desc", std::string("unknown error")));
    }
    if (message->contains("return")) return (*message)["return"];
  }
}

Result<nlohmann::json> QmpClient::ReadMessage() {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    size_t eol = buffer_.find('\n');
    if (eol != std::string::npos) {
      std::string line = buffer_.substr(0, eol);
      buffer_.erase(0, eol + 1);
      if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
      auto message = nlohmann::json::parse(line, nullptr, false);
      if (message.is_discarded() || !message.is_object())
        return Fail(ErrorCode::kInternal, "malformed QMP message: " + line);
      return message;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Fail(ErrorCode::kDeadlineExceeded, "no QMP answer within " +
                                                    std::to_string(timeout_.count()) + " ms");
    pollfd p{fd_.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno != EINTR) return os::FailErrno("poll QMP");
    if (rc <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os::FailErrno("read QMP");
    if (n == 0) return Fail(ErrorCode::kUnavailable, "QMP connection closed");
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace vc::hypervisor::qemu

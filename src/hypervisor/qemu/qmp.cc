#include "hypervisor/qemu/qmp.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "os/error.h"
#include "os/file.h"
#include "os/socket.h"

namespace vc::hypervisor::qemu {

namespace {

// QEMU's largest answer (query-qmp-schema) is well under 1 MiB.
constexpr size_t kMaxMessage = size_t{16} << 20;

}  // namespace

Result<QmpClient> QmpClient::Connect(const std::string& socket_path,
                                     std::chrono::milliseconds timeout) {
  auto fd = os::ConnectUnix(socket_path);
  if (!fd) return std::unexpected(fd.error().Wrap("QMP"));
  return Handshake(std::move(*fd), timeout);
}

Result<QmpClient> QmpClient::Handshake(os::Fd fd, std::chrono::milliseconds timeout) {
  QmpClient client(std::move(fd), timeout);
  auto greeting = client.ReadMessage(timeout);
  if (!greeting) return std::unexpected(greeting.error().Wrap("QMP greeting"));
  if (!greeting->contains("QMP"))
    return Fail(ErrorCode::kInternal, "QMP: unexpected greeting " + greeting->dump());
  if (auto caps = client.Execute("qmp_capabilities"); !caps) return std::unexpected(caps.error());
  return client;
}

Result<nlohmann::json> QmpClient::Execute(const std::string& command,
                                          const nlohmann::json& arguments) {
  return Send(command, arguments, -1);
}

Result<nlohmann::json> QmpClient::ExecuteWithFd(const std::string& command, const nlohmann::json& arguments,
                                                int fd) {
  return Send(command, arguments, fd);
}

Result<nlohmann::json> QmpClient::Send(const std::string& command, const nlohmann::json& arguments, int fd) {
  nlohmann::json request = {{"execute", command}};
  if (!arguments.is_null()) request["arguments"] = arguments;
  std::string line = request.dump() + "\n";
  if (fd >= 0) {
    // The descriptor travels with the first byte; the rest follows as usual.
    iovec iov{line.data(), 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    if (::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL) != 1) return os::FailErrno("QMP " + command + ": send descriptor");
    line.erase(0, 1);
  }
  // send, not write: a QEMU that died must not take its caller down with SIGPIPE.
  for (std::string_view rest = line; !rest.empty();) {
    ssize_t n = ::send(fd_.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os::FailErrno("QMP " + command + ": send");
    rest.remove_prefix(static_cast<size_t>(n));
  }
  for (;;) {
    auto message = ReadMessage(timeout_);
    if (!message) return std::unexpected(message.error().Wrap("QMP " + command));
    if (message->contains("event")) {
      events_.push_back(std::move(*message));
      continue;
    }
    if (message->contains("error"))
      return Fail(ErrorCode::kInternal,
                  "QMP " + command + ": " + QmpString(QmpObject(*message, "error"), "desc", "unknown error"));
    if (message->contains("return")) return (*message)["return"];
  }
}

Result<nlohmann::json> QmpClient::WaitEvent(const std::string& name,
                                            const std::function<bool(const nlohmann::json&)>& match,
                                            std::chrono::milliseconds timeout) {
  auto is_it = [&](const nlohmann::json& m) {
    return QmpString(m, "event") == name && match(QmpObject(m, "data"));
  };
  for (auto it = events_.begin(); it != events_.end(); ++it)
    if (is_it(*it)) {
      nlohmann::json data = QmpObject(*it, "data");
      events_.erase(it);
      return data;
    }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto message = ReadMessage(left);
    if (!message) {
      if (message.error().code == ErrorCode::kDeadlineExceeded) break;
      return std::unexpected(message.error().Wrap("QMP event " + name));
    }
    if (is_it(*message)) return QmpObject(*message, "data");
  }
  return Fail(ErrorCode::kDeadlineExceeded,
              "QMP event " + name + " did not come within " + std::to_string(timeout.count()) + " ms");
}

Result<nlohmann::json> QmpClient::ReadMessage(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
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
                                                    std::to_string(timeout.count()) + " ms");
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
    if (buffer_.size() > kMaxMessage)
      return Fail(ErrorCode::kInternal, "QMP message exceeds " + std::to_string(kMaxMessage >> 20) + " MiB");
  }
}

std::string QmpString(const nlohmann::json& object, const std::string& key, const std::string& fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

int64_t QmpInt(const nlohmann::json& object, const std::string& key, int64_t fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

bool QmpBool(const nlohmann::json& object, const std::string& key, bool fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

nlohmann::json QmpObject(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object()) return nlohmann::json::object();
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : nlohmann::json::object();
}

}  // namespace vc::hypervisor::qemu

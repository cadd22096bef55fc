#include "stream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <regex>

namespace vc::cri {

namespace {

constexpr uint8_t kStdin = 0, kStdout = 1, kStderr = 2, kStatus = 3, kResize = 4;
constexpr uint8_t kBinary = 2, kClose = 8, kPing = 9, kPong = 10;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool WriteAll(int fd, const void* data, size_t size) {
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string Base64(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < size; i += 3) {
    uint32_t n = data[i] << 16 | (i + 1 < size ? data[i + 1] << 8 : 0) | (i + 2 < size ? data[i + 2] : 0);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < size ? kAlphabet[n >> 6 & 63] : '=';
    out += i + 2 < size ? kAlphabet[n & 63] : '=';
  }
  return out;
}

// A client frame: always final, always masked (RFC 6455 5.3).
bool SendFrame(int fd, uint8_t opcode, const std::string& payload) {
  std::string frame;
  frame += static_cast<char>(0x80 | opcode);
  if (payload.size() < 126) {
    frame += static_cast<char>(0x80 | payload.size());
  } else {
    frame += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>(uint64_t{payload.size()} >> shift);
  }
  std::array<uint8_t, 4> mask;
  std::random_device random;
  for (auto& b : mask) b = static_cast<uint8_t>(random());
  frame.append(reinterpret_cast<const char*>(mask.data()), mask.size());
  for (size_t i = 0; i < payload.size(); ++i) frame += static_cast<char>(payload[i] ^ mask[i % 4]);
  return WriteAll(fd, frame.data(), frame.size());
}

bool SendChannel(int fd, uint8_t channel, const std::string& data) {
  return SendFrame(fd, kBinary, std::string(1, static_cast<char>(channel)) + data);
}

struct Frame {
  uint8_t opcode = 0;
  std::string payload;
};

std::expected<Frame, std::string> ReadFrame(int fd) {
  uint8_t head[2];
  if (!ReadAll(fd, head, 2)) return std::unexpected("the streaming server closed the connection");
  Frame f{static_cast<uint8_t>(head[0] & 0x0f), {}};
  uint64_t size = head[1] & 0x7f;
  if (size >= 126) {
    uint8_t ext[8];
    const size_t n = size == 126 ? 2 : 8;
    if (!ReadAll(fd, ext, n)) return std::unexpected("truncated frame");
    size = 0;
    for (size_t i = 0; i < n; ++i) size = size << 8 | ext[i];
  }
  if (size > (64u << 20)) return std::unexpected("frame of " + std::to_string(size) + " bytes");
  std::array<uint8_t, 4> mask{};
  if ((head[1] & 0x80) && !ReadAll(fd, mask.data(), 4)) return std::unexpected("truncated frame");
  f.payload.resize(size);
  if (!ReadAll(fd, f.payload.data(), size)) return std::unexpected("truncated frame");
  if (head[1] & 0x80)
    for (size_t i = 0; i < size; ++i) f.payload[i] = static_cast<char>(f.payload[i] ^ mask[i % 4]);
  return f;
}

// The exit code a v4 status message carries: Success is 0; a Failure names
// the code as the cause of reason ExitCode.
std::expected<int, std::string> ExitCodeOf(const std::string& status) {
  auto doc = nlohmann::json::parse(status, nullptr, false);
  if (doc.is_discarded()) return std::unexpected("unreadable status: " + status);
  if (doc.value("status", "") == "Success") return 0;
  if (doc.contains("details") && doc["details"].contains("causes"))
    for (const auto& cause : doc["details"]["causes"])
      if (cause.value("reason", "") == "ExitCode") return std::stoi(cause.value("message", "1"));
  return std::unexpected("stream failed: " + doc.value("message", status));
}

// Connects to a streaming URL and upgrades the connection to a WebSocket
// speaking `protocol`; the socket.
std::expected<int, std::string> Connect(const std::string& url, const std::string& protocol) {
  std::smatch m;
  static const std::regex kUrl(R"(http://([^/:]+):([0-9]+)(/.*))");
  if (!std::regex_match(url, m, kUrl)) return std::unexpected("not a streaming URL: " + url);
  const std::string host = m[1], port = m[2], path = m[3];

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
    return std::unexpected("cannot resolve " + host);
  int sock = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int connected = connect(sock, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (connected != 0) {
    const int err = errno;
    close(sock);
    return std::unexpected("connect to " + host + ":" + port + ": " + strerror(err));
  }
  std::array<uint8_t, 16> key;
  std::random_device random;
  for (auto& b : key) b = static_cast<uint8_t>(random());
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
                              Base64(key.data(), key.size()) + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: " +
                              protocol + "\r\nOrigin: http://" + host + "\r\n\r\n";
  std::string response;
  char c;
  bool ok = WriteAll(sock, request.data(), request.size());
  while (ok && response.size() < 8192 && response.find("\r\n\r\n") == std::string::npos) {
    ok = ReadAll(sock, &c, 1);
    response += c;
  }
  if (!ok || response.rfind("HTTP/1.1 101", 0) != 0) {
    close(sock);
    if (!ok) return std::unexpected("no handshake reply from " + url);
    return std::unexpected("the streaming server refused the upgrade: " + response.substr(0, response.find("\r\n")));
  }
  return sock;
}

// Sends our stdin on `stdin_channel` (when `read_stdin`) and hands each data
// message's channel and bytes to `deliver`, answering pings, until the
// server closes; an error only if polling fails.
std::expected<void, std::string> Pump(int sock, bool read_stdin, uint8_t stdin_channel,
                                      const std::function<void(uint8_t, std::string)>& deliver) {
  for (;;) {
    pollfd fds[2] = {{sock, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    if (poll(fds, read_stdin ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(std::string("poll: ") + strerror(errno));
    }
    if (read_stdin && (fds[1].revents & (POLLIN | POLLHUP))) {
      char buf[4096];
      ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n > 0)
        SendChannel(sock, stdin_channel, std::string(buf, static_cast<size_t>(n)));
      else
        read_stdin = false;
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    auto frame = ReadFrame(sock);
    if (!frame || frame->opcode == kClose) return {};
    if (frame->opcode == kPing) {
      SendFrame(sock, kPong, frame->payload);
      continue;
    }
    if (!frame->payload.empty()) deliver(static_cast<uint8_t>(frame->payload[0]), frame->payload.substr(1));
  }
}

}  // namespace

std::expected<int, std::string> Stream(const std::string& url, const StreamOptions& options) {
  auto connected = Connect(url, "v4.channel.k8s.io");
  if (!connected) return std::unexpected(connected.error());
  Fd sock(*connected);

  if (options.columns > 0 && options.rows > 0)
    SendChannel(sock.get(), kResize,
                nlohmann::json{{"Width", options.columns}, {"Height", options.rows}}.dump());

  std::optional<std::expected<int, std::string>> result;
  auto pumped = Pump(sock.get(), options.stdin, kStdin, [&](uint8_t channel, std::string data) {
    if (channel == kStdout)
      WriteAll(STDOUT_FILENO, data.data(), data.size());
    else if (channel == kStderr)
      WriteAll(STDERR_FILENO, data.data(), data.size());
    else if (channel == kStatus && !data.empty())
      result = ExitCodeOf(data);
  });
  if (!pumped) return std::unexpected(pumped.error());
  if (!result) return std::unexpected("the stream ended without a status");
  return *result;
}

std::expected<int, std::string> PortForward(const std::string& url, int port) {
  auto connected = Connect(url + (url.find('?') == std::string::npos ? "?" : "&") + "port=" + std::to_string(port),
                           "v4.channel.k8s.io");
  if (!connected) return std::unexpected(connected.error());
  Fd sock(*connected);
  constexpr uint8_t kData = 0, kError = 1;
  bool seen[2] = {false, false};  // each channel's first message: the port
  std::string error;
  auto pumped = Pump(sock.get(), true, kData, [&](uint8_t channel, std::string data) {
    if (channel > kError) return;
    if (!seen[channel]) {
      seen[channel] = true;
      data.erase(0, 2);
    }
    if (channel == kData)
      WriteAll(STDOUT_FILENO, data.data(), data.size());
    else
      error += data;
  });
  if (!pumped) return std::unexpected(pumped.error());
  if (!error.empty()) return std::unexpected("port forward: " + error);
  return 0;
}

}  // namespace vc::cri

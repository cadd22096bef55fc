#include "sandbox/debug_console.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <random>

#include "os/error.h"
#include "sandbox/manager.h"

namespace vc {

namespace {

namespace console = agent::console;

class ConsoleSession : public DebugConsole {
 public:
  explicit ConsoleSession(DebugConsoleEnds ends) : ends_(std::move(ends)) {}

  Result<> Greet(console::Size size, std::chrono::milliseconds timeout) {
    std::random_device rd;
    std::string nonce(console::kNonceSize, '\0');
    for (char& c : nonce) c = static_cast<char>(rd());
    if (auto r = Send(console::Type::kHello, console::HelloPayload(nonce, size)); !r) return r;
    const std::string ready = console::Encode(console::Type::kReady, nonce);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!parser_.SkipPast(ready)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{ends_.socket.get(), POLLIN, 0};
      const int n = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os::FailErrno("poll the debug console");
      if (n == 0)
        return Fail(ErrorCode::kDeadlineExceeded,
                    "the guest's debug console did not answer within " + std::to_string(timeout.count() / 1000) +
                        " s (the agent's lines in supervisor.log say why)");
      if (auto r = Receive(); !r) return r;
    }
    return {};
  }

  Result<> Write(std::string_view keys) override {
    for (size_t at = 0; at < keys.size(); at += console::kMaxPayload)
      if (auto r = Send(console::Type::kInput, keys.substr(at, console::kMaxPayload)); !r) return r;
    return {};
  }

  Result<> Resize(uint16_t rows, uint16_t columns) override {
    return Send(console::Type::kResize, console::SizePayload({rows, columns}));
  }

  Result<> CloseInput() override { return Send(console::Type::kEndOfInput, ""); }

  Result<ConsoleOutput> Read() override {
    if (ended_) return ConsoleOutput{"", true, exit_code_};
    for (;;) {
      auto frame = parser_.Next();
      if (!frame) return std::unexpected(frame.error().Wrap("debug console"));
      if (*frame && (*frame)->type == console::Type::kOutput) return ConsoleOutput{std::move((*frame)->payload)};
      if (*frame && (*frame)->type == console::Type::kExit) {
        auto code = console::ParseExit((*frame)->payload);
        if (!code) return std::unexpected(code.error());
        ended_ = true;
        exit_code_ = *code;
        return ConsoleOutput{"", true, exit_code_};
      }
      if (*frame)
        return Fail(ErrorCode::kInternal, "debug console: the guest sent a frame of type " +
                                              std::to_string(static_cast<int>((*frame)->type)));
      if (auto r = Receive(); !r) return std::unexpected(r.error());
    }
  }

 private:
  Result<> Send(console::Type type, std::string_view payload) {
    const std::string frame = console::Encode(type, payload);
    std::lock_guard lock(write_mu_);
    // send(MSG_NOSIGNAL): a VM gone is an error here, not SIGPIPE for the caller.
    for (size_t at = 0; at < frame.size();) {
      const ssize_t n = ::send(ends_.socket.get(), frame.data() + at, frame.size() - at, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os::FailErrno("write to the debug console");
      at += static_cast<size_t>(n);
    }
    return {};
  }

  Result<> Receive() {
    char buf[16384];
    ssize_t n;
    do n = ::read(ends_.socket.get(), buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0) return os::FailErrno("read the debug console");
    if (n == 0) return Fail(ErrorCode::kUnavailable, "the guest's debug console closed (did the VM stop?)");
    parser_.Feed(std::string_view(buf, static_cast<size_t>(n)));
    return {};
  }

  DebugConsoleEnds ends_;
  std::mutex write_mu_;
  console::Parser parser_;  // Read's alone
  bool ended_ = false;
  int exit_code_ = 0;
};

}  // namespace

Result<std::unique_ptr<DebugConsole>> StartDebugConsole(DebugConsoleEnds ends, console::Size size,
                                                        std::chrono::milliseconds ready_timeout) {
  auto session = std::make_unique<ConsoleSession>(std::move(ends));
  if (auto r = session->Greet(size, ready_timeout); !r) return std::unexpected(r.error());
  return session;
}

Result<std::unique_ptr<DebugConsole>> Manager::OpenDebugConsole(const std::string& id, uint16_t rows,
                                                                uint16_t columns) {
  auto ends = WithSandbox<DebugConsoleEnds>(id, [&](SandboxRecord& r) -> Result<DebugConsoleEnds> {
    Refresh(id, r);
    if (!r.config.agent.debug_console)
      return Fail(ErrorCode::kFailedPrecondition,
                  "sandbox " + id + " was not started with the debug console: create it with debug_console on "
                                    "(virtc --debug-console; [agent] debug_console = true in configuration.toml)");
    if (r.state != SandboxState::kRunning)
      return Fail(ErrorCode::kFailedPrecondition,
                  "sandbox " + id + " is " + ToString(r.state) + ": the debug console needs it running");
    return backend_->ConnectDebugConsole(id);
  });
  if (!ends) return std::unexpected(ends.error());
  // Outside the sandbox's lock: a session may last hours.
  return StartDebugConsole(std::move(*ends), {rows, columns}, std::chrono::seconds(10));
}

}  // namespace vc

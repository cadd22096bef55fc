#include "shim/stdio.h"

#include <fcntl.h>
#include <unistd.h>

#include <asio/experimental/awaitable_operators.hpp>

#include "os/error.h"
#include "os/log.h"

namespace vc::shim {

namespace {

Result<int> OpenFifo(const std::string& path, int flags) {
  if (path.find("://") != std::string::npos)
    return Fail(ErrorCode::kInvalidArgument,
                "stdio " + path + ": only FIFO paths are supported, not URIs");
  int fd = ::open(path.c_str(), flags | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return os::FailErrno("open stdio FIFO " + path);
  return fd;
}

}  // namespace

Result<std::shared_ptr<Stdio>> Stdio::Open(asio::any_io_executor ex, const StdioPaths& paths) {
  std::shared_ptr<Stdio> s(new Stdio(ex));
  // stdin: read-only, so that the writer closing it is seen as the end. Until
  // a writer first opens it, epoll reports nothing (see PumpInput).
  if (!paths.stdin.empty()) {
    auto fd = OpenFifo(paths.stdin, O_RDONLY);
    if (!fd) return std::unexpected(fd.error());
    s->stdin_.emplace(ex, *fd);
  }
  // Outputs: read-write, so the open never waits for a reader; the reader
  // sees the end when we close.
  for (auto [path, fifo] : {std::pair{&paths.stdout, &s->stdout_}, {&paths.stderr, &s->stderr_}}) {
    if (path->empty()) continue;
    auto fd = OpenFifo(*path, O_RDWR);
    if (!fd) return std::unexpected(fd.error());
    fifo->emplace(ex, *fd);
  }
  return s;
}

void Stdio::Start(std::shared_ptr<agent::AsyncAgent> agent, std::string id, std::string exec_id) {
  agent_ = std::move(agent);
  id_ = std::move(id);
  exec_id_ = std::move(exec_id);
  auto self = shared_from_this();
  asio::co_spawn(ex_, PumpOutput(self, false), asio::detached);
  asio::co_spawn(ex_, PumpOutput(self, true), asio::detached);
  asio::co_spawn(ex_, PumpInput(self), asio::detached);
}

asio::awaitable<void> Stdio::PumpOutput(std::shared_ptr<Stdio> self, bool stderr_stream) {
  auto& sink = stderr_stream ? self->stderr_ : self->stdout_;
  for (;;) {
    auto chunk = co_await self->agent_->ReadOutput(self->id_, self->exec_id_, stderr_stream);
    if (!chunk) break;  // the process is gone, or the VM
    if (!chunk->data.empty() && sink && sink->is_open()) {
      auto [ec, n] = co_await asio::async_write(*sink, asio::buffer(chunk->data), vc::kTuple);
      if (ec) {
        // Nobody reads any more: keep draining the guest, drop the bytes.
        asio::error_code ignored;
        sink->close(ignored);
      }
    }
    if (chunk->eof) break;
  }
  if (sink) {
    asio::error_code ignored;
    sink->close(ignored);
  }
  --self->outputs_open_;
  self->output_done_.cancel();
}

asio::awaitable<bool> Stdio::DrainInput() {
  char buf[32 * 1024];
  for (;;) {
    ssize_t n = ::read(stdin_->native_handle(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) co_return n == 0;  // 0: the writer closed it; -1 (EAGAIN): nothing more now
    auto w = co_await agent_->WriteStdin(id_, exec_id_, std::string(buf, static_cast<size_t>(n)));
    if (!w) co_return true;
  }
}

asio::awaitable<void> Stdio::PumpInput(std::shared_ptr<Stdio> self) {
  if (self->stdin_) {
    auto& fifo = *self->stdin_;
    // Wait for the first writer: a FIFO without writers reads as empty, but
    // epoll only reports it once a writer came (and wrote, or left).
    auto [wait_ec] = co_await fifo.async_wait(Fifo::wait_read, vc::kTuple);
    bool ended = wait_ec && !self->close_stdin_;
    while (!ended && !self->close_stdin_) {
      if (co_await self->DrainInput()) break;
      auto [ec] = co_await fifo.async_wait(Fifo::wait_read, vc::kTuple);
      if (ec && !self->close_stdin_) ended = true;
    }
    if (self->close_stdin_ && fifo.is_open()) (void)co_await self->DrainInput();
    asio::error_code ignored;
    fifo.close(ignored);
  }
  if (self->agent_) {
    if (auto r = co_await self->agent_->CloseStdin(self->id_, self->exec_id_); !r)
      log::Debug("close stdin of " + self->id_ + ": " + r.error().message);
  }
}

void Stdio::CloseStdin() {
  close_stdin_ = true;
  if (stdin_ && stdin_->is_open()) {
    asio::error_code ignored;
    stdin_->cancel(ignored);
  }
}

asio::awaitable<void> Stdio::WaitOutput(std::chrono::milliseconds limit) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(ex_, limit);
  auto self = shared_from_this();
  while (outputs_open_ > 0 && std::chrono::steady_clock::now() < deadline.expiry()) {
    // cancel() wakes every waiter and leaves the expiry at "never".
    co_await (output_done_.async_wait(vc::kTuple) || deadline.async_wait(vc::kTuple));
  }
}

void Stdio::Close() {
  asio::error_code ignored;
  for (auto* fifo : {&stdin_, &stdout_, &stderr_})
    if (*fifo) (*fifo)->close(ignored);
}

}  // namespace vc::shim

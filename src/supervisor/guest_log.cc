#include "supervisor/guest_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "os/error.h"
#include "os/file.h"

namespace vc::supervisor {
namespace {

// A pipe holds this much before QEMU's console writes would wait for us.
constexpr int kPipeBytes = 1 << 20;

// The value of `key` in a logfmt line: bare, or quoted with \" \\ \n escapes.
std::string LogfmtValue(std::string_view line, std::string_view key) {
  size_t at = 0;
  for (;;) {
    at = line.find(key, at);
    if (at == std::string_view::npos) return "";
    if ((at == 0 || line[at - 1] == ' ') && line.substr(at + key.size()).starts_with("=")) break;
    at += key.size();
  }
  size_t i = at + key.size() + 1;
  std::string value;
  if (i < line.size() && line[i] == '"') {
    for (++i; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        value += line[i] == 'n' ? '\n' : line[i];
      } else {
        value += line[i];
      }
    }
    return value;
  }
  const size_t end = line.find(' ', i);
  return std::string(line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
}

}  // namespace

GuestLine ParseGuestLine(std::string_view line) {
  if (!line.starts_with("time=")) return {log::Level::kInfo, std::string(line)};
  const std::string level = LogfmtValue(line, "level");
  GuestLine out{log::Level::kInfo, LogfmtValue(line, "msg")};
  if (level == "debug") out.level = log::Level::kDebug;
  else if (level == "warning" || level == "warn") out.level = log::Level::kWarn;
  else if (level == "error" || level == "fatal") out.level = log::Level::kError;
  return out;
}

GuestLog::GuestLog(asio::any_io_executor ex, os::Fd read, os::Fd write, std::string path)
    : read_(ex, read.release()), write_(std::move(write)), path_(std::move(path)) {}

Result<std::shared_ptr<GuestLog>> GuestLog::Open(asio::any_io_executor ex, std::string path) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return os::FailErrno("console pipe");
  os::Fd read(ends[0]), write(ends[1]);
  (void)::fcntl(write.get(), F_SETPIPE_SZ, kPipeBytes);  // best effort: the default is 64 KiB
  if (::fcntl(read.get(), F_SETFL, O_NONBLOCK) != 0) return os::FailErrno("console pipe");
  std::shared_ptr<GuestLog> log(new GuestLog(ex, std::move(read), std::move(write), std::move(path)));
  log->file_ = os::Fd(::open(log->path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log->file_) return os::FailErrno("open " + log->path_);
  return log;
}

void GuestLog::Start() { asio::co_spawn(read_.get_executor(), Pump(shared_from_this()), asio::detached); }

asio::awaitable<void> GuestLog::Pump(std::shared_ptr<GuestLog> self) {
  char buf[16384];
  for (;;) {
    auto [ec, n] = co_await self->read_.async_read_some(asio::buffer(buf), vc::kTuple);
    if (ec) break;
    self->Take({buf, n});
  }
  if (!self->partial_.empty()) self->Line(std::exchange(self->partial_, ""));
}

void GuestLog::Drain() {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(read_.native_handle(), buf, sizeof buf);
    if (n <= 0) break;
    Take({buf, static_cast<size_t>(n)});
  }
}

void GuestLog::Take(std::string_view bytes) {
  partial_.append(bytes);
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
    Line(std::string_view(partial_).substr(start, nl - start));
  partial_.erase(0, start);
  // A line longer than the pipe's worth is cut there rather than held forever.
  if (partial_.size() > 64 * 1024) Line(std::exchange(partial_, ""));
}

void GuestLog::Line(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  const std::string text = std::string(line) + "\n";
  if (file_bytes_ + text.size() > kFileCap) {
    ::rename(path_.c_str(), (path_ + ".1").c_str());
    file_ = os::Fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    file_bytes_ = 0;
  }
  if (file_ && os::WriteAll(file_.get(), text)) file_bytes_ += text.size();
  if (line.empty() || forwarded_ > kForwardCap) return;
  forwarded_ += text.size();
  if (forwarded_ > kForwardCap) {
    log::Warn("the guest's console passed " + std::to_string(kForwardCap >> 10) +
              " KiB: further guest lines are in " + path_ + " only");
    return;
  }
  const GuestLine parsed = ParseGuestLine(line);
  log::Write(parsed.level, "guest: " + parsed.message);
  if (mirror_ && log::Enabled(parsed.level)) {
    const std::string formatted = log::Line(parsed.level, "guest: " + parsed.message);
    if (::write(mirror_.get(), formatted.data(), formatted.size()) < 0 && errno != EAGAIN) mirror_.reset();
  }
}

}  // namespace vc::supervisor

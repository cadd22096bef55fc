#include "shim/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace vc::shim {

namespace {
std::atomic<bool> debug{false};

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}
}  // namespace

void SetLogDebug(bool enabled) { debug = enabled; }

void Log(LogLevel level, const std::string& message) {
  if (level == LogLevel::kDebug && !debug) return;
  static const char* names[] = {"debug", "info", "warning", "error"};
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  char stamp[64];
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  char micros[8];
  std::snprintf(micros, sizeof micros, "%06lld", static_cast<long long>(us));
  std::string line = std::string("time=\"") + stamp + "." + micros + "Z\" level=" +
                     names[static_cast<int>(level)] + " msg=" + Quote(message) +
                     " runtime=io.containerd.vc.v2\n";
  (void)!::write(2, line.data(), line.size());
}

}  // namespace vc::shim

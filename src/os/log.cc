#include "os/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <mutex>
#include <utility>
#include <vector>

namespace vc::log {

namespace {

std::mutex fields_mu;
std::vector<std::pair<std::string, std::string>> fields;  // guarded by fields_mu

// spdlog's formatter for one logfmt line.
class Logfmt : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& out) override {
    auto t = std::chrono::system_clock::to_time_t(msg.time);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count() % 1000000;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[64];
    size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(stamp + n, sizeof stamp - n, ".%06lldZ", static_cast<long long>(us));
    static const char* names[] = {"debug", "debug", "info", "warning", "error", "fatal", "off"};
    std::string line = std::string("time=\"") + stamp + "\" level=" + names[msg.level] +
                       " msg=" + Value(std::string(msg.payload.data(), msg.payload.size()));
    {
      std::lock_guard lock(fields_mu);
      for (const auto& [k, v] : fields) line += " " + k + "=" + Value(v);
    }
    line += "\n";
    out.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<Logfmt>(); }
};

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::make_unique<Logfmt>());
    auto l = std::make_shared<spdlog::logger>("vc", std::move(sink));
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::debug);
    return l;
  }();
  return *logger;
}

}  // namespace

void SetDebug(bool enabled) { Logger().set_level(enabled ? spdlog::level::debug : spdlog::level::info); }

void SetField(const std::string& key, const std::string& value) {
  std::lock_guard lock(fields_mu);
  for (auto& [k, v] : fields)
    if (k == key) {
      v = value;
      return;
    }
  fields.emplace_back(key, value);
}

void Write(Level level, const std::string& message) {
  static const spdlog::level::level_enum levels[] = {spdlog::level::debug, spdlog::level::info,
                                                     spdlog::level::warn, spdlog::level::err};
  Logger().log(levels[static_cast<int>(level)], "{}", message);
}

}  // namespace vc::log

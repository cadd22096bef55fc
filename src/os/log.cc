#include "os/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <ctime>
#include <mutex>
#include <utility>
#include <vector>

namespace vc::log {

namespace {

std::mutex fields_mu;
std::vector<std::pair<std::string, std::string>> fields;  // guarded by fields_mu

// One line, logfmt or JSON, with the fields, ending in a newline.
std::string FormatLine(Format format, std::chrono::system_clock::time_point time, spdlog::level::level_enum level,
                       const std::string& message) {
  auto t = std::chrono::system_clock::to_time_t(time);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char stamp[64];
  size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof stamp - n, ".%06lldZ", static_cast<long long>(us));
  static const char* names[] = {"debug", "debug", "info", "warning", "error", "fatal", "off"};
  std::string line;
  if (format == Format::kJson) {
    nlohmann::ordered_json j = {{"time", stamp}, {"level", names[level]}, {"msg", message}};
    {
      std::lock_guard lock(fields_mu);
      for (const auto& [k, v] : fields) j[k] = v;
    }
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = std::string("time=\"") + stamp + "\" level=" + names[level] + " msg=" + Value(message);
    std::lock_guard lock(fields_mu);
    for (const auto& [k, v] : fields) line += " " + k + "=" + Value(v);
  }
  return line + "\n";
}

// spdlog's formatter for one line.
class LineFormatter : public spdlog::formatter {
 public:
  explicit LineFormatter(Format format) : format_(format) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& out) override {
    const std::string line = FormatLine(format_, msg.time, msg.level, std::string(msg.payload.data(), msg.payload.size()));
    out.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<LineFormatter>(format_); }

 private:
  Format format_;
};

constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
                                                 spdlog::level::err};

std::mutex output_mu;
Format current_format = Format::kLogfmt;  // guarded by output_mu

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::make_unique<LineFormatter>(Format::kLogfmt));
    auto l = std::make_shared<spdlog::logger>("vc", std::move(sink));
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::debug);
    return l;
  }();
  return *logger;
}

}  // namespace

void SetDebug(bool enabled) { Logger().set_level(enabled ? spdlog::level::debug : spdlog::level::info); }

void SetFormat(Format format) {
  std::lock_guard lock(output_mu);
  current_format = format;
  for (auto& sink : Logger().sinks()) sink->set_formatter(std::make_unique<LineFormatter>(format));
}

bool SetOutputFile(const std::string& path) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  try {
    if (path.empty())
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    else
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
  } catch (const spdlog::spdlog_ex&) {
    return false;
  }
  std::lock_guard lock(output_mu);
  sink->set_formatter(std::make_unique<LineFormatter>(current_format));
  Logger().sinks() = {std::move(sink)};
  return true;
}

void SetField(const std::string& key, const std::string& value) {
  std::lock_guard lock(fields_mu);
  for (auto& [k, v] : fields)
    if (k == key) {
      v = value;
      return;
    }
  fields.emplace_back(key, value);
}

void Write(Level level, const std::string& message) { Logger().log(kLevels[static_cast<int>(level)], "{}", message); }

bool Enabled(Level level) { return Logger().should_log(kLevels[static_cast<int>(level)]); }

std::string Line(Level level, const std::string& message) {
  Format format;
  {
    std::lock_guard lock(output_mu);
    format = current_format;
  }
  return FormatLine(format, std::chrono::system_clock::now(), kLevels[static_cast<int>(level)], message);
}

}  // namespace vc::log

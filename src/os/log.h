// The one logger of the host programs (library, supervisor, shim): logfmt
// lines on stderr, which each program points where its logs belong
// (supervisor.log; the shim's bundle `log` FIFO, which containerd copies into
// its own log). Every line carries the fields set with SetField, such as the
// sandbox id:
//   time="2026-12-02T15:04:05.000001Z" level=info msg="agent ready" sandbox=s1
// Built on spdlog; the guest agent writes the same format with a logger of its
// own (a static binary without spdlog), with `uptime` and the sandbox id as
// fields. Thread-safe.
#pragma once

#include <string>

namespace vc::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Debug lines are dropped unless enabled.
void SetDebug(bool enabled);

// Lines as logfmt (the default) or as JSON objects, one per line, with the
// same keys: {"time":"...","level":"info","msg":"agent ready","sandbox":"s1"}
// (what runc's --log-format json writes, read by containerd and podman).
enum class Format { kLogfmt, kJson };
void SetFormat(Format format);
// Appends lines to `path` instead of writing them on stderr ("": stderr
// again). Fails (leaving the output as it was) if the file cannot be opened.
// Call before other threads log.
bool SetOutputFile(const std::string& path);
// Adds (or replaces) a key=value pair written on every line after msg.
void SetField(const std::string& key, const std::string& value);

void Write(Level level, const std::string& message);
inline void Debug(const std::string& m) { Write(Level::kDebug, m); }
inline void Info(const std::string& m) { Write(Level::kInfo, m); }
inline void Warn(const std::string& m) { Write(Level::kWarn, m); }
inline void Error(const std::string& m) { Write(Level::kError, m); }
// Whether lines of `level` are written (debug ones only after SetDebug).
bool Enabled(Level level);
// The line Write would write now, newline included, for another output.
std::string Line(Level level, const std::string& message);

// A logfmt value: bare if it needs no quoting, else quoted with escapes.
// Inline: the guest agent formats its lines with it too.
inline std::string Value(const std::string& s) {
  bool bare = !s.empty();
  for (char c : s)
    if (c <= ' ' || c == '"' || c == '\\' || c == '=') bare = false;
  if (bare) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace vc::log

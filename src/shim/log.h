// The shim's log: logfmt lines on stderr, which the serving shim points at
// the bundle's `log` FIFO (containerd copies it into its own log).
// Thread-safe: each line is one write(2).
#pragma once

#include <string>

namespace vc::shim {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Debug lines are dropped unless enabled (containerd's -debug flag).
void SetLogDebug(bool enabled);
void Log(LogLevel level, const std::string& message);

}  // namespace vc::shim

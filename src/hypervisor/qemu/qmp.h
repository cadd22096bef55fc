// A small blocking QMP client (QEMU Machine Protocol: line-delimited JSON over
// a unix socket). QMP serves one client at a time, so callers connect per
// operation and disconnect when done.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::hypervisor::qemu {

class QmpClient {
 public:
  // Connects, reads the greeting and negotiates capabilities.
  static Result<QmpClient> Connect(const std::string& socket_path,
                                   std::chrono::milliseconds timeout);
  // The same on a socket already connected to QEMU.
  static Result<QmpClient> Handshake(os::Fd fd, std::chrono::milliseconds timeout);

  // Runs `command` and returns its "return" value; a QMP error becomes an
  // error carrying its description. Asynchronous events are skipped.
  Result<nlohmann::json> Execute(const std::string& command,
                                 const nlohmann::json& arguments = nullptr);
  // Execute, passing `fd` along (SCM_RIGHTS), as `getfd` and `add-fd` expect.
  Result<nlohmann::json> ExecuteWithFd(const std::string& command, const nlohmann::json& arguments, int fd);

  // Waits up to `timeout` for event `name` whose data satisfies `match`
  // (events that arrived during earlier commands count); returns its data.
  Result<nlohmann::json> WaitEvent(const std::string& name,
                                   const std::function<bool(const nlohmann::json& data)>& match,
                                   std::chrono::milliseconds timeout);

 private:
  QmpClient(os::Fd fd, std::chrono::milliseconds timeout) : fd_(std::move(fd)), timeout_(timeout) {}
  Result<nlohmann::json> Send(const std::string& command, const nlohmann::json& arguments, int fd);
  Result<nlohmann::json> ReadMessage(std::chrono::milliseconds timeout);

  os::Fd fd_;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
  std::deque<nlohmann::json> events_;  // seen while waiting for a command's answer
};

// QEMU's answers read without trusting their shape: a member that is
// missing or of another type, or asked of a value that is not an object,
// reads as `fallback` (nlohmann's value() would throw).
std::string QmpString(const nlohmann::json& object, const std::string& key, const std::string& fallback = "");
int64_t QmpInt(const nlohmann::json& object, const std::string& key, int64_t fallback);
bool QmpBool(const nlohmann::json& object, const std::string& key, bool fallback);
// A member that is an object, else an empty object.
nlohmann::json QmpObject(const nlohmann::json& object, const std::string& key);

}  // namespace vc::hypervisor::qemu

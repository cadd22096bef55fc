// Blocking ttRPC client over a connected stream socket.
//
// Thread-safe: any number of threads may Call() at once; requests are
// multiplexed on the one connection (odd stream ids) and a reader thread
// routes each response to its caller. When the connection dies, every pending
// and later call fails with kUnavailable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "os/fd.h"
#include "vc/result.h"

namespace vc::ttrpc {

class Client {
 public:
  explicit Client(os::Fd fd);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one unary request and waits for its response. The payload and the
  // returned bytes are serialized protobuf messages.
  Result<std::string> Call(const std::string& service, const std::string& method,
                           const std::string& payload, std::chrono::milliseconds timeout);

 private:
  struct Pending {
    std::optional<Result<std::string>> result;
  };

  void ReadLoop();
  void FailAll(const std::string& why);

  os::Fd fd_;
  std::mutex write_mu_;  // serializes frames on fd_
  std::mutex mu_;
  std::condition_variable cv_;
  uint32_t next_stream_id_ = 1;                           // guarded by mu_
  std::map<uint32_t, std::shared_ptr<Pending>> pending_;  // guarded by mu_
  std::optional<std::string> dead_;                       // guarded by mu_: why the connection died
  std::thread reader_;
};

}  // namespace vc::ttrpc

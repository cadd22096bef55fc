// Port forwarding in the guest: each connection the host accepted in the
// pod's network namespace on the host (Kubernetes' PortForward: containerd
// dials the port on the pod's loopback there) continues here to
// 127.0.0.1:port, where the pod's containers listen: the guest's network is
// the pod's. Bytes cross the agent channel in both directions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "os/asio.h"
#include "os/notifier.h"
#include "vc/result.h"

namespace vc::agent {

class Forwards {
 public:
  explicit Forwards(asio::any_io_executor ex) : ex_(std::move(ex)) {}

  // Connects to 127.0.0.1:port; the connection's id. kUnavailable when
  // nothing listens there.
  asio::awaitable<Result<uint32_t>> Open(uint32_t port);
  // Sends `data` to the guest's side; `close_write` then shuts its sending half.
  asio::awaitable<Result<>> Write(uint32_t id, std::string data, bool close_write);
  // What the guest's side sent since the last read (waits while nothing
  // came and it is open); eof once it closed and everything was read.
  asio::awaitable<Result<std::pair<std::string, bool>>> Read(uint32_t id);
  // Ends the connection; an unknown id is already gone.
  void Close(uint32_t id);

 private:
  struct Connection {
    explicit Connection(asio::any_io_executor ex) : socket(ex), changed(ex) {}
    asio::ip::tcp::socket socket;
    std::string received;
    bool eof = false;
    os::Notifier changed;
  };
  static asio::awaitable<void> Pump(std::shared_ptr<Connection> c);
  Result<std::shared_ptr<Connection>> Find(uint32_t id);

  asio::any_io_executor ex_;
  uint32_t next_id_ = 1;
  std::map<uint32_t, std::shared_ptr<Connection>> connections_;
};

}  // namespace vc::agent

// Shares one agent channel among many host clients.
//
// A virtio-serial port takes one host connection at a time, so the sandbox's
// supervisor holds it and accepts any number of clients on a unix socket. Each
// client request gets a fresh stream id on the agent channel; the response is
// routed back under the client's own id. Frames are forwarded as bytes: the
// multiplexer never parses messages. Runs on one Asio thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "os/asio.h"
#include "ttrpc/framed_stream.h"

namespace vc::supervisor {

using Socket = asio::local::stream_protocol::socket;
using Conn = ttrpc::FramedStream<Socket>;

class Mux {
 public:
  // `on_agent_lost` runs once when the agent channel closes.
  Mux(std::shared_ptr<Conn> upstream, std::function<void()> on_agent_lost);

  // Reads the agent channel; run once.
  asio::awaitable<void> RunUpstream();
  // Serves one client until it disconnects.
  asio::awaitable<void> ServeClient(std::shared_ptr<Conn> client);
  // Sends a request of the supervisor's own; `on_response` gets the Response frame.
  void CallInternal(const std::string& request_bytes, std::function<void(ttrpc::Frame)> on_response);

 private:
  struct Route {
    std::weak_ptr<Conn> client;
    uint32_t client_stream = 0;
    std::function<void(ttrpc::Frame)> internal;
  };
  uint32_t NextId();

  std::shared_ptr<Conn> upstream_;
  std::function<void()> on_agent_lost_;
  uint32_t next_id_ = 1;
  std::map<uint32_t, Route> routes_;
};

}  // namespace vc::supervisor

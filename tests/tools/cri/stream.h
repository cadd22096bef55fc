// The client side of the CRI streaming server (the URL an Exec or Attach call
// returns): a WebSocket connection speaking Kubernetes' channel protocol
// v4.channel.k8s.io, where every binary message starts with its channel:
// 0 stdin, 1 stdout, 2 stderr, 3 the final status (JSON), 4 terminal size.
#pragma once

#include <expected>
#include <string>

namespace vc::cri {

struct StreamOptions {
  bool stdin = false;         // copy our stdin to the process (no close: v4 cannot say it)
  int columns = 0, rows = 0;  // a terminal size to send first, when nonzero
};

// Runs the session to its end; returns the process's exit code from the
// status channel.
std::expected<int, std::string> Stream(const std::string& url, const StreamOptions& options);

// A port-forward session (the URL a PortForward call returns) for one port:
// channel 0 carries the connection's bytes (our stdin to it, its bytes to our
// stdout), channel 1 the server's errors; each starts with the port (2 bytes,
// little-endian). Runs until the connection ends; 0, or the error the server
// reported.
std::expected<int, std::string> PortForward(const std::string& url, int port);

}  // namespace vc::cri

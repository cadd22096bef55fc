// vc-monitor: serves /metrics in Prometheus's text format for every sandbox
// under a state root (host processes, guest agent, containers), one scrape
// at a time, without taking any sandbox's lock (docs/operations.md).
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <CLI/CLI.hpp>
#include <asio.hpp>
#include <chrono>
#include <iostream>
#include <string>

#include "metrics.h"
#include "vc/vc.h"

namespace {

using asio::ip::tcp;

// "HOST:PORT", "[V6]:PORT".
bool ParseListen(const std::string& text, tcp::endpoint& out, std::string& error) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    error = "--listen " + text + ": expected HOST:PORT (127.0.0.1:8090)";
    return false;
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  asio::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    error = "--listen " + text + ": '" + host + "' is not an IP address";
    return false;
  }
  int port = 0;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    error = "--listen " + text + ": bad port";
    return false;
  }
  out = tcp::endpoint(address, static_cast<unsigned short>(port));
  return true;
}

std::string Response(const std::string& status, const std::string& type, const std::string& body) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// One request on `socket`: GET /metrics samples every sandbox now.
void Serve(tcp::socket& socket, vc::Runtime& runtime) {
  timeval timeout{5, 0};  // a client that sends nothing holds no one up for long
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  asio::streambuf request(16 * 1024);
  asio::error_code ec;
  asio::read_until(socket, request, "\r\n\r\n", ec);
  if (ec) return;
  std::istream in(&request);
  std::string method, target;
  in >> method >> target;
  target = target.substr(0, target.find('?'));
  std::string reply;
  if (method != "GET") {
    reply = Response("405 Method Not Allowed", "text/plain", "only GET\n");
  } else if (target == "/metrics") {
    const auto start = std::chrono::steady_clock::now();
    auto samples = runtime.SampleSandboxes();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    reply = Response("200 OK", "text/plain; version=0.0.4; charset=utf-8",
                     vc::monitor::Exposition(samples, runtime.Counts(), took.count()));
  } else {
    reply = Response("404 Not Found", "text/plain", "vc-monitor serves /metrics\n");
  }
  asio::write(socket, asio::buffer(reply), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vc-monitor: Prometheus metrics of every sandbox under a state root"};
  std::string listen = "127.0.0.1:8090";
  std::string root = "/run/vc";
  app.add_option("--listen", listen, "HOST:PORT to serve /metrics on")->capture_default_str();
  app.add_option("--root", root, "the state root of the sandboxes")->capture_default_str();
  const vc::BuildInfo build = vc::Build();
  app.set_version_flag("--version", "vc-monitor version " + build.version + "\ncommit: " + build.commit);
  CLI11_PARSE(app, argc, argv);
  tcp::endpoint endpoint;
  std::string error;
  if (!ParseListen(listen, endpoint, error)) {
    std::cerr << "vc-monitor: " << error << std::endl;
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);  // a scraper that left: its write fails, we go on
  asio::io_context io;
  tcp::acceptor acceptor(io);
  asio::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "vc-monitor: listen on " << listen << ": " << ec.message() << std::endl;
    return 1;
  }
  std::cerr << "vc-monitor: serving http://" << listen << "/metrics for the sandboxes under " << root << std::endl;
  vc::Runtime runtime(vc::RuntimeOptions{root, ""});
  for (;;) {
    tcp::socket socket(io);
    acceptor.accept(socket, ec);
    if (!ec) Serve(socket, runtime);
  }
}

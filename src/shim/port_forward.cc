#include "shim/port_forward.h"

#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "net/netns.h"
#include "os/error.h"
#include "os/log.h"
#include "os/notifier.h"
#include "os/process.h"

namespace vc::shim {

namespace {

constexpr const char* kTable = "vc_port_forward";
constexpr auto kNftTimeout = std::chrono::seconds(10);

Result<> Nft(const std::string& commands) {
  os::SpawnOptions nft;
  nft.argv = {"nft", "-f", "-"};
  auto ran = os::RunToCompletion(nft, commands, kNftTimeout);
  if (!ran) return std::unexpected(ran.error().Wrap("run nft (Debian's nftables)"));
  if (ran->status != 0) return Fail(ErrorCode::kUnavailable, "nft: " + ran->err);
  return {};
}

// Every TCP connection to the namespace's loopback, but those to the
// listener itself, goes to the listener.
std::string Rules(uint16_t listener) {
  const std::string port = std::to_string(listener);
  return std::string("table ip ") + kTable + " {\n  chain output {\n"
         "    type nat hook output priority -100; policy accept;\n"
         "    oif \"lo\" ip daddr 127.0.0.1 tcp dport != " + port + " redirect to :" + port + "\n  }\n}\n";
}

}  // namespace

struct PortForward::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor ex, os::Fd netns, int listener, std::shared_ptr<agent::AsyncAgent> agent)
      : ex(ex), netns(std::move(netns)), acceptor(ex, asio::ip::tcp::v4(), listener), agent(std::move(agent)) {}

  asio::awaitable<void> Accept() {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(vc::kTuple);
      if (ec) co_return;  // closed
      asio::co_spawn(ex, Relay(self, std::move(socket)), asio::detached);
    }
  }

  static asio::awaitable<void> Relay(std::shared_ptr<State> self, asio::ip::tcp::socket accepted) {
    auto socket = std::make_shared<asio::ip::tcp::socket>(std::move(accepted));
    sockaddr_in asked{};
    socklen_t size = sizeof asked;
    if (::getsockopt(socket->native_handle(), SOL_IP, SO_ORIGINAL_DST, &asked, &size) != 0) {
      log::Warn("port forward: the port asked for is unknown: " + std::string(std::strerror(errno)));
      co_return;
    }
    const uint32_t port = ntohs(asked.sin_port);
    auto id = co_await self->agent->ForwardOpen(port);
    if (!id) {
      log::Warn("port forward to " + std::to_string(port) + ": " + id.error().message);
      co_return;  // the client sees the connection end
    }
    // Both directions at once; the connection ends in the guest when both are done.
    auto from_guest = std::make_shared<Half>(self->ex);
    asio::co_spawn(self->ex, FromGuest(self, socket, *id, from_guest), asio::detached);
    co_await ToGuest(self, *socket, *id);
    while (!from_guest->done) co_await from_guest->changed.Wait();
    (void)co_await self->agent->ForwardClose(*id);
  }

  struct Half {
    explicit Half(asio::any_io_executor ex) : changed(ex) {}
    bool done = false;
    os::Notifier changed;
  };

  static asio::awaitable<void> ToGuest(std::shared_ptr<State> self, asio::ip::tcp::socket& socket, uint32_t id) {
    char buf[64 * 1024];
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), vc::kTuple);
      // Named, not a conditional temporary: GCC 12 mishandles those inside co_await.
      std::string data;
      if (!ec) data.assign(buf, n);
      auto sent = co_await self->agent->ForwardWrite(id, std::move(data), bool(ec));
      if (ec || !sent) co_return;
    }
  }

  static asio::awaitable<void> FromGuest(std::shared_ptr<State> self, std::shared_ptr<asio::ip::tcp::socket> socket,
                                         uint32_t id, std::shared_ptr<Half> half) {
    for (;;) {
      auto chunk = co_await self->agent->ForwardRead(id);
      if (chunk && !chunk->data.empty()) {
        auto [ec, n] = co_await asio::async_write(*socket, asio::buffer(chunk->data), vc::kTuple);
        if (ec) chunk = std::unexpected(Error{ErrorCode::kUnavailable, ec.message()});
      }
      if (!chunk || chunk->eof) {
        asio::error_code ignored;
        socket->shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        // The client's half may still be open: close it too when the guest's end is gone.
        if (!chunk) socket->close(ignored);
        break;
      }
    }
    half->done = true;
    half->changed.Notify();
  }

  asio::any_io_executor ex;
  os::Fd netns;
  asio::ip::tcp::acceptor acceptor;
  std::shared_ptr<agent::AsyncAgent> agent;
};

Result<std::unique_ptr<PortForward>> PortForward::Start(asio::any_io_executor ex, const std::string& netns_path,
                                                        std::shared_ptr<agent::AsyncAgent> agent) {
  auto netns = net::OpenNetns(netns_path);
  if (!netns) return std::unexpected(netns.error());
  auto listener = net::InNetns(netns->get(), []() -> Result<os::Fd> {
    os::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return os::FailErrno("port forward: socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 64) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &size) != 0)
      return os::FailErrno("port forward: listen on the pod's loopback");
    if (auto ok = Nft(Rules(ntohs(addr.sin_port))); !ok) return std::unexpected(ok.error());
    return fd;
  });
  if (!listener) return std::unexpected(listener.error().Wrap("port forward in " + netns_path));
  auto state = std::make_shared<State>(ex, std::move(*netns), listener->release(), std::move(agent));
  asio::co_spawn(ex, state->Accept(), asio::detached);
  return std::unique_ptr<PortForward>(new PortForward(state));
}

PortForward::~PortForward() {
  asio::error_code ignored;
  state_->acceptor.close(ignored);
  (void)net::InNetns(state_->netns.get(), [] { return Nft(std::string("delete table ip ") + kTable + "\n"); });
}

}  // namespace vc::shim

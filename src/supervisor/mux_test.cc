// Two clients share one agent channel through the multiplexer; both use
// stream id 1 and each gets its own answer.
#include "supervisor/mux.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "os/io_thread.h"
#include "ttrpc/async_client.h"
#include "ttrpc/server.h"

namespace vc::supervisor {
namespace {

using namespace std::chrono_literals;

TEST(Mux, RoutesAnswersToTheirClients) {
  asio::io_context io;
  int agent_pair[2], a_pair[2], b_pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, agent_pair), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a_pair), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b_pair), 0);
  auto sock = [&](int fd) { return Socket(io, asio::local::stream_protocol(), fd); };

  // The "agent": answers after a delay given in the request, echoing it.
  ttrpc::MethodTable methods;
  methods.Add("t", "Echo", [](std::string p) -> asio::awaitable<Result<std::string>> {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(std::stoi(p)));
    co_await t.async_wait(vc::kTuple);
    co_return "answer " + p;
  });
  auto agent = std::make_shared<Conn>(sock(agent_pair[1]));
  asio::co_spawn(io, ttrpc::ServeConnection(agent, methods), asio::detached);

  std::atomic<bool> lost = false;
  Mux mux(std::make_shared<Conn>(sock(agent_pair[0])), [&] { lost = true; });
  asio::co_spawn(io, mux.RunUpstream(), asio::detached);
  auto a = std::make_shared<Conn>(sock(a_pair[1]));
  auto b = std::make_shared<Conn>(sock(b_pair[1]));
  asio::co_spawn(io, mux.ServeClient(a), asio::detached);
  asio::co_spawn(io, mux.ServeClient(b), asio::detached);
  std::thread loop([&] { io.run(); });

  {
    os::IoThread client_loop;
    auto client_a = ttrpc::AsyncClient::Create(client_loop.executor(), os::Fd(a_pair[0]));
    auto client_b = ttrpc::AsyncClient::Create(client_loop.executor(), os::Fd(b_pair[0]));
    // A's request is slower, so B's answer comes back first on the shared channel.
    auto slow = std::async(std::launch::async,
                           [&] { return client_loop.Run(client_a->Call("t", "Echo", "300", 5s)); });
    std::this_thread::sleep_for(50ms);
    auto fast = client_loop.Run(client_b->Call("t", "Echo", "10", 5s));
    ASSERT_TRUE(fast) << fast.error().message;
    EXPECT_EQ(*fast, "answer 10");
    auto s = slow.get();
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(*s, "answer 300");
    client_loop.Call([&] {
      client_a.reset();
      client_b.reset();
    });
  }
  asio::post(io, [&] { agent->Close(); });
  for (int i = 0; i < 100 && !lost; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(lost) << "losing the agent channel is reported";
  io.stop();
  loop.join();
}

}  // namespace
}  // namespace vc::supervisor

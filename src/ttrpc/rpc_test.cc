// The ttRPC client against the Asio server, over a real socket pair; the
// client runs on a loop of its own and is called from the test thread.
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <optional>
#include <thread>

#include "os/file.h"
#include "ttrpc.pb.h"
#include "os/io_thread.h"
#include "ttrpc/async_client.h"
#include "ttrpc/server.h"

namespace vc::ttrpc {
namespace {

using namespace std::chrono_literals;
using Socket = asio::local::stream_protocol::socket;

// A client on its own loop, called blockingly from the test thread.
class TestClient {
 public:
  explicit TestClient(int fd) : client_(AsyncClient::Create(loop_.executor(), os::Fd(fd))) {}
  ~TestClient() {
    loop_.Call([this] { client_.reset(); });
  }
  Result<std::string> Call(const std::string& service, const std::string& method,
                           const std::string& payload, std::chrono::milliseconds timeout) {
    return loop_.Run(client_->Call(service, method, payload, timeout));
  }

 private:
  os::IoThread loop_;
  std::shared_ptr<AsyncClient> client_;
};

class RpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    client_fd_ = fds[0];
    methods_.Add("test.Echo", "Echo", [](std::string p) -> asio::awaitable<Result<std::string>> {
      co_return "echo:" + p;
    });
    methods_.Add("test.Echo", "Fail", [](std::string) -> asio::awaitable<Result<std::string>> {
      co_return Fail(ErrorCode::kNotFound, "nothing here");
    });
    // Answers after `p` milliseconds: proves slow calls do not block others.
    methods_.Add("test.Echo", "Sleep", [](std::string p) -> asio::awaitable<Result<std::string>> {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(std::stoi(p)));
      co_await t.async_wait(vc::kTuple);
      co_return "slept " + p;
    });
    auto conn = std::make_shared<FramedStream<Socket>>(Socket(io_, asio::local::stream_protocol(), fds[1]));
    server_conn_ = conn;
    asio::co_spawn(io_, ServeConnection(conn, methods_), asio::detached);
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    io_.stop();  // handlers still sleeping are dropped with the context
    io_thread_.join();
  }

  int client_fd_ = -1;
  asio::io_context io_;
  MethodTable methods_;
  std::weak_ptr<FramedStream<Socket>> server_conn_;
  std::thread io_thread_;
};

TEST_F(RpcTest, RoundTripAndErrors) {
  TestClient client{client_fd_};
  auto r = client.Call("test.Echo", "Echo", "hi", 2s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "echo:hi");
  auto e = client.Call("test.Echo", "Fail", "", 2s);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(e.error().message, "test.Echo/Fail: nothing here");
  auto u = client.Call("test.Echo", "Nope", "", 2s);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("unknown method test.Echo/Nope"), std::string::npos);
}

TEST_F(RpcTest, SlowCallDoesNotBlockOthers) {
  TestClient client{client_fd_};
  auto slow = std::async(std::launch::async, [&] { return client.Call("test.Echo", "Sleep", "500", 5s); });
  std::this_thread::sleep_for(50ms);
  auto start = std::chrono::steady_clock::now();
  auto fast = client.Call("test.Echo", "Echo", "x", 2s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 400ms);
  ASSERT_TRUE(fast);
  auto s = slow.get();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "slept 500");
}

TEST_F(RpcTest, ClientTimeout) {
  TestClient client{client_fd_};
  auto r = client.Call("test.Echo", "Sleep", "1000", 100ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(client.Call("test.Echo", "Echo", "after", 2s));  // the late answer is dropped
}

// Raw frames on the wire: garbage and oversized requests get an error answer
// and the connection keeps serving.
TEST_F(RpcTest, GarbageAndOversizedFramesAreAnsweredNotFatal) {
  os::Fd fd(client_fd_);
  auto read_response = [&](uint32_t want_id) {
    char header[kHeaderSize];
    EXPECT_TRUE(os::ReadExact(fd.get(), header, kHeaderSize));
    Header h = DecodeHeader(header);
    EXPECT_EQ(h.stream_id, want_id);
    EXPECT_EQ(h.type, static_cast<uint8_t>(MessageType::kResponse));
    std::string body(h.length, '\0');
    EXPECT_TRUE(os::ReadExact(fd.get(), body.data(), h.length));
    Response r;
    EXPECT_TRUE(r.ParseFromString(body));
    return r;
  };
  ASSERT_TRUE(os::WriteAll(fd.get(), EncodeFrame(1, MessageType::kRequest, "\xff\xff\xff garbage")));
  EXPECT_EQ(read_response(1).status().code(), static_cast<int>(Code::kInvalidArgument));

  char header[kHeaderSize];
  const uint32_t big = kMaxMessageSize + 10;
  EncodeHeader({big, 3, static_cast<uint8_t>(MessageType::kRequest), 0}, header);
  ASSERT_TRUE(os::WriteAll(fd.get(), std::string(header, kHeaderSize)));
  std::thread writer([&] { (void)os::WriteAll(fd.get(), std::string(big, 'z')); });
  EXPECT_EQ(read_response(3).status().code(), static_cast<int>(Code::kResourceExhausted));
  writer.join();

  Request ok;
  ok.set_service("test.Echo");
  ok.set_method("Echo");
  ok.set_payload("still here");
  ASSERT_TRUE(os::WriteAll(fd.get(), EncodeFrame(5, MessageType::kRequest, ok.SerializeAsString())));
  Response r = read_response(5);
  EXPECT_EQ(r.status().code(), 0);
  EXPECT_EQ(r.payload(), "echo:still here");
}

TEST_F(RpcTest, PeerGoneFailsPendingCalls) {
  TestClient client{client_fd_};
  auto pending = std::async(std::launch::async, [&] { return client.Call("test.Echo", "Sleep", "5000", 10s); });
  std::this_thread::sleep_for(100ms);
  asio::post(io_, [this] { if (auto c = server_conn_.lock()) c->Close(); });
  auto r = pending.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  auto later = client.Call("test.Echo", "Echo", "", 1s);
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, ErrorCode::kUnavailable);
}

// The host's resident memory in KiB (VmRSS of this process).
long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
    status.ignore(1 << 12, '\n');
  }
  return 0;
}

// A hostile agent: it answers the first request with garbage; the second
// with 64 MiB of answers to streams nobody asked on and then a frame that
// announces 4 GiB; the third never. The client fails each call clearly,
// within its timeout, and does not keep what it was flooded with.
TEST(HostileAgent, GarbageFloodsHugeFramesAndSilenceCostOnlyTheTimeout) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  os::Fd agent(fds[1]);
  TestClient client{fds[0]};
  const long rss_before = RssKib();

  std::thread hostile([&] {
    char header[kHeaderSize];
    auto read_request = [&]() -> std::optional<Header> {
      if (!os::ReadExact(agent.get(), header, kHeaderSize)) return std::nullopt;
      Header h = DecodeHeader(header);
      std::string body(h.length, '\0');
      if (!os::ReadExact(agent.get(), body.data(), h.length)) return std::nullopt;
      return h;
    };
    auto first = read_request();
    if (!first) return;
    (void)os::WriteAll(agent.get(), EncodeFrame(first->stream_id, MessageType::kResponse, "\xff\xfe not protobuf"));
    auto second = read_request();
    if (!second) return;
    const std::string noise =
        EncodeFrame(second->stream_id + 1000, MessageType::kResponse, std::string(1 << 20, 'n'));
    for (int i = 0; i < 64; ++i)
      if (!os::WriteAll(agent.get(), noise)) return;
    EncodeHeader({0xffffffffu, second->stream_id, static_cast<uint8_t>(MessageType::kResponse), 0}, header);
    (void)os::WriteAll(agent.get(), std::string(header, kHeaderSize) + std::string(8 << 20, 'x'));
    (void)read_request();  // and silence
  });

  auto garbled = client.Call("grpc.AgentService", "Check", "", 2s);
  ASSERT_FALSE(garbled);
  EXPECT_NE(garbled.error().code, ErrorCode::kDeadlineExceeded) << "a garbled answer is an error at once";

  auto start = std::chrono::steady_clock::now();
  auto flooded = client.Call("grpc.AgentService", "Check", "", 5s);
  ASSERT_FALSE(flooded);
  EXPECT_NE(flooded.error().message.find("exceeds the 4 MiB ttrpc limit"), std::string::npos)
      << flooded.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the flood stalled the client";

  start = std::chrono::steady_clock::now();
  auto silent = client.Call("grpc.AgentService", "Check", "", 500ms);
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().code, ErrorCode::kDeadlineExceeded) << silent.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  hostile.join();
#ifndef __SANITIZE_ADDRESS__  // ASan's quarantine keeps freed memory on purpose
  EXPECT_LT(RssKib() - rss_before, 32 * 1024) << "the client kept what the agent flooded it with";
#endif
}

}  // namespace
}  // namespace vc::ttrpc

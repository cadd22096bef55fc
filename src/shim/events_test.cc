// Events reach a fake containerd events service in publication order, as
// containerd.events messages in an envelope with namespace, topic and time.
#include "shim/events.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "events.pb.h"
#include "os/socket.h"
#include "ttrpc/server.h"

namespace vc::shim {
namespace {

namespace ev = containerd::events;
using namespace std::chrono_literals;

class FakeContainerd {
 public:
  explicit FakeContainerd(asio::io_context& io)
      : path_("/tmp/vc-events-test-" + std::to_string(::getpid()) + ".sock"), acceptor_(io) {
    auto listener = os::ListenUnix(path_);
    EXPECT_TRUE(listener) << listener.error().message;
    acceptor_.assign(asio::local::stream_protocol(), listener->release());
    methods_.Add("containerd.services.events.ttrpc.v1.Events", "Forward",
                 [this](std::string payload) -> asio::awaitable<Result<std::string>> {
                   ev::ForwardRequest req;
                   EXPECT_TRUE(req.ParseFromString(payload));
                   envelopes.push_back(req.envelope());
                   co_return std::string();
                 });
    asio::co_spawn(io, ttrpc::ServeAcceptor(acceptor_, methods_), asio::detached);
  }
  ~FakeContainerd() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

  std::vector<ev::Envelope> envelopes;

 private:
  std::string path_;
  asio::local::stream_protocol::acceptor acceptor_;
  ttrpc::MethodTable methods_;
};

void FlushAndStop(asio::io_context& io, Publisher& events) {
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await events.Flush();
    io.stop();
  }, asio::detached);
  io.run_for(10s);
}

TEST(ShimEvents, ForwardedInOrderWithTypeNamespaceAndTime) {
  asio::io_context io;
  FakeContainerd containerd(io);
  Publisher events(io.get_executor(), containerd.path(), "ns1");
  const auto exited = Clock::now();
  events.TaskCreate("c1", "/bundle", StdioPaths{"", "/fifo/out", "", false}, 42);
  events.TaskStart("c1", 42);
  events.ExecAdded("c1", "e1");
  events.ExecStarted("c1", "e1", 42);
  events.TaskExit("c1", "e1", 42, Exit{5, exited});
  events.TaskExit("c1", "", 42, Exit{3, exited});
  events.TaskDelete("c1", 42, Exit{3, exited});
  FlushAndStop(io, events);

  const std::vector<std::pair<std::string, std::string>> want = {
      {"/tasks/create", "containerd.events.TaskCreate"},
      {"/tasks/start", "containerd.events.TaskStart"},
      {"/tasks/exec-added", "containerd.events.TaskExecAdded"},
      {"/tasks/exec-started", "containerd.events.TaskExecStarted"},
      {"/tasks/exit", "containerd.events.TaskExit"},
      {"/tasks/exit", "containerd.events.TaskExit"},
      {"/tasks/delete", "containerd.events.TaskDelete"}};
  ASSERT_EQ(containerd.envelopes.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& e = containerd.envelopes[i];
    EXPECT_EQ(e.topic(), want[i].first);
    EXPECT_EQ(e.event().type_url(), want[i].second);
    EXPECT_EQ(e.namespace_(), "ns1");
    EXPECT_GT(e.timestamp().seconds(), 0);
  }
  ev::TaskExit exec_exit, init_exit;
  ASSERT_TRUE(exec_exit.ParseFromString(containerd.envelopes[4].event().value()));
  ASSERT_TRUE(init_exit.ParseFromString(containerd.envelopes[5].event().value()));
  EXPECT_EQ(exec_exit.id(), "e1");
  EXPECT_EQ(exec_exit.exit_status(), 5u);
  EXPECT_EQ(init_exit.container_id(), "c1");
  EXPECT_EQ(init_exit.id(), "c1");  // the init's exit carries the container id
  EXPECT_EQ(init_exit.exit_status(), 3u);
  EXPECT_GT(init_exit.exited_at().seconds(), 0);
  ev::TaskCreate create;
  ASSERT_TRUE(create.ParseFromString(containerd.envelopes[0].event().value()));
  EXPECT_EQ(create.io().stdout(), "/fifo/out");
  EXPECT_EQ(create.pid(), 42u);
}

TEST(ShimEvents, UnreachableContainerdNeitherBlocksNorHangs) {
  asio::io_context io;
  Publisher events(io.get_executor(), "/nonexistent/containerd.sock.ttrpc", "ns1");
  events.TaskStart("c1", 1);
  auto start = std::chrono::steady_clock::now();
  FlushAndStop(io, events);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "gave up after bounded retries";
  EXPECT_TRUE(io.stopped());
}

}  // namespace
}  // namespace vc::shim

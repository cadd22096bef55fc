// Stdio between FIFOs and a fake agent: a stdin FIFO nobody has opened yet is
// not an end of input, a late writer's bytes arrive and its close ends stdin;
// output reaches the stdout FIFO and its end closes it.
#include "shim/stdio.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "agent.pb.h"
#include "ttrpc/server.h"

namespace vc::shim {
namespace {

namespace pb = vc::agent::v1;
using namespace std::chrono_literals;
using Socket = asio::local::stream_protocol::socket;

class StdioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vc-stdio-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(::mkfifo((dir_ + "/in").c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo((dir_ + "/out").c_str(), 0600), 0);
    const std::string service = "vc.agent.v1.AgentService";
    methods_.Add(service, "WriteStdin", [this](std::string p) -> asio::awaitable<Result<std::string>> {
      pb::WriteStreamRequest req;
      req.ParseFromString(p);
      stdin_data_ += req.data();
      pb::WriteStreamResponse resp;
      resp.set_len(static_cast<uint32_t>(req.data().size()));
      co_return resp.SerializeAsString();
    });
    methods_.Add(service, "CloseStdin", [this](std::string) -> asio::awaitable<Result<std::string>> {
      stdin_closed_ = true;
      co_return std::string();
    });
    methods_.Add(service, "ReadStdout", [this](std::string) -> asio::awaitable<Result<std::string>> {
      pb::ReadStreamResponse resp;
      if (stdout_reads_++ == 0) resp.set_data("hello");
      else resp.set_eof(true);
      co_return resp.SerializeAsString();
    });
    methods_.Add(service, "ReadStderr", [](std::string) -> asio::awaitable<Result<std::string>> {
      pb::ReadStreamResponse resp;
      resp.set_eof(true);
      co_return resp.SerializeAsString();
    });
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    auto server = std::make_shared<ttrpc::FramedStream<Socket>>(Socket(io_, asio::local::stream_protocol(), fds[1]));
    asio::co_spawn(io_, ttrpc::ServeConnection(server, methods_), asio::detached);
    agent_ = std::make_shared<agent::AsyncAgent>(ttrpc::AsyncClient::Create(io_.get_executor(), os::Fd(fds[0])));
  }
  void TearDown() override {
    agent_.reset();
    ::unlink((dir_ + "/in").c_str());
    ::unlink((dir_ + "/out").c_str());
    ::rmdir(dir_.c_str());
  }
  // Runs the loop until `done` or 5 s.
  template <typename Pred>
  void RunUntil(Pred done) {
    for (int i = 0; i < 500 && !done(); ++i) io_.run_for(10ms);
  }

  std::string dir_;
  asio::io_context io_;
  ttrpc::MethodTable methods_;
  std::shared_ptr<agent::AsyncAgent> agent_;
  std::string stdin_data_;
  bool stdin_closed_ = false;
  int stdout_reads_ = 0;
};

TEST_F(StdioTest, LateStdinWriterAndOutputToTheEnd) {
  os::Fd out_reader(::open((dir_ + "/out").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(out_reader);
  auto io = Stdio::Open(io_.get_executor(), StdioPaths{dir_ + "/in", dir_ + "/out", "", false});
  ASSERT_TRUE(io) << io.error().message;
  (*io)->Start(agent_, "c1", "");
  io_.run_for(300ms);
  EXPECT_FALSE(stdin_closed_) << "no writer yet is not the end of stdin";

  {
    os::Fd writer(::open((dir_ + "/in").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    ASSERT_TRUE(writer);
    ASSERT_EQ(::write(writer.get(), "abc", 3), 3);
  }
  RunUntil([&] { return stdin_closed_; });
  EXPECT_EQ(stdin_data_, "abc");
  EXPECT_TRUE(stdin_closed_) << "the writer's close ends stdin";

  bool output_done = false;
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    co_await (*io)->WaitOutput(5s);
    output_done = true;
  }, asio::detached);
  RunUntil([&] { return output_done; });
  ASSERT_TRUE(output_done);
  char buf[64];
  ssize_t n = ::read(out_reader.get(), buf, sizeof buf);
  ASSERT_EQ(n, 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
  EXPECT_EQ(::read(out_reader.get(), buf, sizeof buf), 0) << "stdout FIFO closed after the end";
}

TEST_F(StdioTest, CloseIOForwardsWhatWasWrittenThenCloses) {
  auto io = Stdio::Open(io_.get_executor(), StdioPaths{dir_ + "/in", "", "", false});
  ASSERT_TRUE(io) << io.error().message;
  os::Fd writer(::open((dir_ + "/in").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(writer);
  ASSERT_EQ(::write(writer.get(), "xyz", 3), 3);
  (*io)->Start(agent_, "c1", "");
  RunUntil([&] { return stdin_data_ == "xyz"; });
  (*io)->CloseStdin();  // the writer is still open: CloseIO alone ends stdin
  RunUntil([&] { return stdin_closed_; });
  EXPECT_EQ(stdin_data_, "xyz");
  EXPECT_TRUE(stdin_closed_);
}

TEST(ShimStdio, UrisAreRefusedClearly) {
  asio::io_context io;
  auto s = Stdio::Open(io.get_executor(), StdioPaths{"", "binary:///usr/bin/logger", "", false});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("only FIFO paths"), std::string::npos);
}

}  // namespace
}  // namespace vc::shim

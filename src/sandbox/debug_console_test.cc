#include "sandbox/debug_console.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

namespace vc {
namespace {

namespace console = agent::console;

// The guest's end: reads whole frames off a socket.
struct GuestEnd {
  os::Fd fd;
  console::Parser parser;

  console::Frame Next() {
    for (;;) {
      auto frame = parser.Next();
      EXPECT_TRUE(frame);
      if (frame && *frame) return **frame;
      char buf[4096];
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n <= 0) return {console::Type::kExit, "eof"};
      parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  void Send(console::Type type, std::string_view payload) {
    const std::string frame = console::Encode(type, payload);
    ASSERT_EQ(::write(fd.get(), frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
  }
};

std::pair<DebugConsoleEnds, GuestEnd> Pair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {DebugConsoleEnds{os::Fd(fds[0]), os::Fd()}, GuestEnd{os::Fd(fds[1]), {}}};
}

TEST(DebugConsole, ASessionFromHelloToExit) {
  auto [ends, guest] = Pair();
  std::thread vm([&guest] {
    auto hello = guest.Next();
    ASSERT_EQ(hello.type, console::Type::kHello);
    auto opened = console::ParseHello(hello.payload);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->second.rows, 33);
    EXPECT_EQ(opened->second.cols, 77);
    // What an earlier session left in the port, then this session's frames.
    guest.Send(console::Type::kOutput, "stale");
    guest.Send(console::Type::kReady, opened->first);
    guest.Send(console::Type::kOutput, "# ");
    auto typed = guest.Next();
    EXPECT_EQ(typed.type, console::Type::kInput);
    EXPECT_EQ(typed.payload, "exit 3\r");
    auto resized = guest.Next();
    EXPECT_EQ(resized.type, console::Type::kResize);
    EXPECT_EQ(console::ParseSize(resized.payload)->cols, 100);
    EXPECT_EQ(guest.Next().type, console::Type::kEndOfInput);
    guest.Send(console::Type::kExit, console::ExitPayload(3));
  });
  auto session = StartDebugConsole(std::move(ends), {33, 77}, std::chrono::seconds(5));
  ASSERT_TRUE(session) << session.error().message;
  auto prompt = (*session)->Read();
  ASSERT_TRUE(prompt);
  EXPECT_EQ(prompt->data, "# ") << "nothing from before the ready";
  ASSERT_TRUE((*session)->Write("exit 3\r"));
  ASSERT_TRUE((*session)->Resize(40, 100));
  ASSERT_TRUE((*session)->CloseInput());
  auto end = (*session)->Read();
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->ended);
  EXPECT_EQ(end->exit_code, 3);
  EXPECT_TRUE((*session)->Read()->ended) << "stays ended";
  vm.join();
}

TEST(DebugConsole, AGuestThatNeverAnswersTimesOut) {
  auto [ends, guest] = Pair();
  auto session = StartDebugConsole(std::move(ends), {}, std::chrono::milliseconds(200));
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(session.error().message.find("did not answer"), std::string::npos);
}

TEST(DebugConsole, AVmThatGoesAwayIsAnError) {
  auto [ends, guest] = Pair();
  std::thread vm([&guest] {
    auto hello = guest.Next();
    guest.Send(console::Type::kReady, console::ParseHello(hello.payload)->first);
    guest.fd = os::Fd();
  });
  auto session = StartDebugConsole(std::move(ends), {}, std::chrono::seconds(5));
  vm.join();
  ASSERT_TRUE(session);
  auto read = (*session)->Read();
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE((*session)->Write("x")) << "no SIGPIPE, an error";
}

}  // namespace
}  // namespace vc

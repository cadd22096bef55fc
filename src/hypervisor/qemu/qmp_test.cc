#include "hypervisor/qemu/qmp.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "os/file.h"

namespace vc::hypervisor::qemu {
namespace {

using namespace std::chrono_literals;

// A QMP server that answers each client line with what `script` returns.
class FakeQmp {
 public:
  using Script = std::function<std::string(const std::string& line)>;
  explicit FakeQmp(Script script) : script_(std::move(script)) {
    path_ = "/tmp/vc-qmp-test-" + std::to_string(::getpid()) + ".sock";
    ::unlink(path_.c_str());
    listen_ = os::Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_.get(), 1), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeQmp() {
    ::shutdown(listen_.get(), SHUT_RDWR);
    thread_.join();
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  void Serve() {
    os::Fd conn(::accept(listen_.get(), nullptr, nullptr));
    if (!conn) return;
    (void)os::WriteAll(conn.get(), R"({"QMP": {"version": {}, "capabilities": []}})" "\n");
    std::string buf;
    char c;
    while (::read(conn.get(), &c, 1) == 1) {
      if (c != '\n') {
        buf += c;
        continue;
      }
      std::string reply = script_(buf);
      buf.clear();
      if (reply == "CLOSE") return;
      if (!reply.empty()) (void)os::WriteAll(conn.get(), reply);
    }
  }

  Script script_;
  std::string path_;
  os::Fd listen_;
  std::thread thread_;
};

std::string Ok(const std::string& value = "{}") { return R"({"return": )" + value + "}\n"; }

TEST(Qmp, NegotiatesAndSkipsEvents) {
  FakeQmp server([](const std::string& line) {
    if (line.find("query-status") != std::string::npos)
      return std::string(R"({"event": "STOP", "timestamp": {}})" "\n") +
             Ok(R"({"running": false, "status": "paused"})");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp) << qmp.error().message;
  auto status = qmp->Execute("query-status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ((*status)["status"], "paused");
}

TEST(Qmp, ErrorReplyCarriesDescription) {
  FakeQmp server([](const std::string& line) {
    if (line.find("bogus") != std::string::npos)
      return std::string(R"({"error": {"class": "CommandNotFound", "desc": "The command bogus has not been found"}})" "\n");
    return Ok();
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto r = qmp->Execute("bogus");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("The command bogus has not been found"), std::string::npos);
}

TEST(Qmp, SilentServerTimesOut) {
  FakeQmp server([](const std::string& line) {
    return line.find("qmp_capabilities") != std::string::npos ? Ok() : std::string();
  });
  auto qmp = QmpClient::Connect(server.path(), 300ms);
  ASSERT_TRUE(qmp);
  auto r = qmp->Execute("stop");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(Qmp, ClosedConnectionIsUnavailable) {
  FakeQmp server([](const std::string& line) {
    return line.find("qmp_capabilities") != std::string::npos ? Ok() : std::string("CLOSE");
  });
  auto qmp = QmpClient::Connect(server.path(), 2s);
  ASSERT_TRUE(qmp);
  auto r = qmp->Execute("quit");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST(Qmp, NoServerIsUnavailable) {
  auto qmp = QmpClient::Connect("/tmp/vc-no-such-qmp.sock", 200ms);
  ASSERT_FALSE(qmp);
  EXPECT_EQ(qmp.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace vc::hypervisor::qemu

#include "supervisor/guest_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "os/file.h"

namespace vc::supervisor {
namespace {

TEST(GuestLog, AgentLinesKeepTheirLevelAndMessage) {
  auto line = ParseGuestLine(
      R"(time="3.141592s" level=warn msg="container \"c1\" exited" uptime=3.14 sandbox=s1)");
  EXPECT_EQ(line.level, log::Level::kWarn);
  EXPECT_EQ(line.message, "container \"c1\" exited");
  line = ParseGuestLine("time=1s level=error msg=bare sandbox=s1");
  EXPECT_EQ(line.level, log::Level::kError);
  EXPECT_EQ(line.message, "bare");
}

TEST(GuestLog, KernelLinesAreInfoAsTheyAre) {
  auto line = ParseGuestLine("[    0.512345] virtio_net virtio1 eth0: renamed; level=9 msg=x");
  EXPECT_EQ(line.level, log::Level::kInfo);
  EXPECT_EQ(line.message, "[    0.512345] virtio_net virtio1 eth0: renamed; level=9 msg=x");
}

class GuestLogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vc-guestlog-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "console.log").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` as QEMU would, then closes the write end, and reads all.
  void Feed(const std::string& text) {
    auto log = GuestLog::Open(io_.get_executor(), path_);
    ASSERT_TRUE(log) << log.error().message;
    int fd = ::dup((*log)->write_fd());
    (*log)->CloseWriteEnd();
    (*log)->Start();
    std::thread writer([fd, &text] {
      (void)os::WriteAll(fd, text);
      ::close(fd);
    });
    io_.run();
    writer.join();
  }

  asio::io_context io_;
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(GuestLogFile, EveryLineReachesTheFileTheLastOneToo) {
  Feed("[    0.1] first\r\nsecond\nno newline at the end");
  EXPECT_EQ(*os::ReadFile(path_), "[    0.1] first\nsecond\nno newline at the end\n");
}

TEST_F(GuestLogFile, AChattyGuestFillsAtMostTwoFiles) {
  std::string text;
  const std::string line(99, 'x');
  while (text.size() < 3 * GuestLog::kFileCap) text += line + "\n";
  Feed(text);
  struct stat now {}, before {};
  ASSERT_EQ(::stat(path_.c_str(), &now), 0);
  ASSERT_EQ(::stat((path_ + ".1").c_str(), &before), 0);
  EXPECT_LE(static_cast<size_t>(now.st_size), GuestLog::kFileCap);
  EXPECT_LE(static_cast<size_t>(before.st_size), GuestLog::kFileCap);
  EXPECT_GT(static_cast<size_t>(before.st_size), GuestLog::kFileCap - 100) << "rotated only when full";
  EXPECT_FALSE(std::filesystem::exists(path_ + ".2"));
}

}  // namespace
}  // namespace vc::supervisor

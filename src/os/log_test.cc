#include "os/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <regex>

#include "os/file.h"

namespace vc::log {
namespace {

TEST(Log, Values) {
  EXPECT_EQ(Value("ready"), "ready");
  EXPECT_EQ(Value(""), "\"\"");
  EXPECT_EQ(Value("two words"), "\"two words\"");
  EXPECT_EQ(Value("a=b"), "\"a=b\"");
  EXPECT_EQ(Value("say \"hi\"\nand \\ go"), "\"say \\\"hi\\\"\\nand \\\\ go\"");
}

// What a line looks like where the program's stderr goes.
TEST(Log, LinesAreLogfmtWithTheFields) {
  std::string path = "/tmp/vc-log-" + std::to_string(::getpid());
  int saved = ::dup(2);
  int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(file, 0);
  ::dup2(file, 2);
  SetField("sandbox", "s1");
  Info("agent ready");
  Debug("not shown");
  SetDebug(true);
  Debug("shown");
  SetDebug(false);
  ::dup2(saved, 2);
  ::close(saved);
  ::close(file);
  auto text = os::ReadFile(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(text);
  std::regex line(R"(time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z" level=info msg="agent ready" sandbox=s1\n)"
                  R"(time="[^"]+" level=debug msg=shown sandbox=s1\n)");
  EXPECT_TRUE(std::regex_match(*text, line)) << *text;
}

}  // namespace
}  // namespace vc::log

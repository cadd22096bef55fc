#include "os/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sstream>

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
  std::istringstream lines(*text);
  std::string first, second, third;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, third)) << "the first debug line was dropped: " << *text;
  // time="2026-12-02T15:04:05.000001Z" level=info msg="agent ready" sandbox=s1
  ASSERT_EQ(first.size(), std::string(R"(time="2026-12-02T15:04:05.000001Z" )").size() +
                              std::string(R"(level=info msg="agent ready" sandbox=s1)").size()) << first;
  EXPECT_TRUE(first.starts_with("time=\"")) << first;
  EXPECT_EQ(first.substr(16, 1), "T") << first;
  EXPECT_EQ(first.substr(32, 3), "Z\" ") << first;
  EXPECT_TRUE(first.ends_with(R"(level=info msg="agent ready" sandbox=s1)")) << first;
  EXPECT_TRUE(second.ends_with("level=debug msg=shown sandbox=s1")) << second;
}

// runc's --log FILE --log-format json: JSON objects, one per line, in the file.
TEST(Log, JsonLinesInAFile) {
  std::string path = "/tmp/vc-log-json-" + std::to_string(::getpid());
  ASSERT_TRUE(SetOutputFile(path));
  SetFormat(Format::kJson);
  SetField("sandbox", "s2");
  Error("it \"failed\"");
  SetFormat(Format::kLogfmt);
  ASSERT_TRUE(SetOutputFile(""));
  auto text = os::ReadFile(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(text);
  EXPECT_TRUE(text->starts_with("{\"time\":\"")) << *text;
  EXPECT_TRUE(text->ends_with(R"("level":"error","msg":"it \"failed\"","sandbox":"s2"})" "\n")) << *text;
  EXPECT_FALSE(SetOutputFile("/proc/self/no-such-dir/log"));
}

}  // namespace
}  // namespace vc::log

#include "protocol/console_frames.h"

#include <gtest/gtest.h>

namespace vc::agent::console {
namespace {

TEST(ConsoleFrames, RoundTripInPieces) {
  const std::string stream = Encode(Type::kOutput, "hello") + Encode(Type::kExit, ExitPayload(130));
  Parser p;
  for (char c : stream) p.Feed(std::string_view(&c, 1));
  auto first = p.Next();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->type, Type::kOutput);
  EXPECT_EQ((*first)->payload, "hello");
  auto second = p.Next();
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->type, Type::kExit);
  EXPECT_EQ(*ParseExit((*second)->payload), 130);
  auto none = p.Next();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(ConsoleFrames, WaitsForTheWholePayload) {
  Parser p;
  const std::string frame = Encode(Type::kInput, std::string(1000, 'x'));
  p.Feed(frame.substr(0, 500));
  EXPECT_FALSE(*p.Next());
  p.Feed(frame.substr(500));
  auto got = p.Next();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->payload.size(), 1000u);
}

TEST(ConsoleFrames, HelloAndSizes) {
  auto hello = ParseHello(HelloPayload("12345678", {24, 80}));
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->first, "12345678");
  EXPECT_EQ(hello->second.rows, 24);
  EXPECT_EQ(hello->second.cols, 80);
  auto size = ParseSize(SizePayload({300, 1000}));
  ASSERT_TRUE(size);
  EXPECT_EQ(size->rows, 300);
  EXPECT_EQ(size->cols, 1000);
  EXPECT_EQ(*ParseExit(ExitPayload(-1)), -1);
  EXPECT_FALSE(ParseHello("short"));
  EXPECT_FALSE(ParseSize("123"));
  EXPECT_FALSE(ParseExit(""));
}

TEST(ConsoleFrames, RefusesUnknownTypesAndOversizedFrames) {
  Parser unknown;
  unknown.Feed(std::string("\x09\x00\x01x", 4));
  auto bad = unknown.Next();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("unknown type 9"), std::string::npos);
  Parser big;
  big.Feed(std::string("\x05\xff\xff", 3));
  auto over = big.Next();
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("65535 bytes"), std::string::npos);
}

TEST(ConsoleFrames, SkipsWhatAnEarlierSessionLeft) {
  const std::string ready = Encode(Type::kReady, "noncenon");
  Parser p;
  // The tail of an earlier session's output, then the ready frame split in two.
  p.Feed(std::string("\x05\x00\x10partial-output") + ready.substr(0, 4));
  EXPECT_FALSE(p.SkipPast(ready));
  p.Feed(ready.substr(4) + Encode(Type::kOutput, "$ "));
  EXPECT_TRUE(p.SkipPast(ready));
  auto got = p.Next();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->payload, "$ ");
  // Another nonce is not ours.
  Parser other;
  other.Feed(Encode(Type::kReady, "othernon"));
  EXPECT_FALSE(other.SkipPast(ready));
}

}  // namespace
}  // namespace vc::agent::console

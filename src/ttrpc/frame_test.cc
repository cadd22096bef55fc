#include "ttrpc/frame.h"

#include <gtest/gtest.h>

#include "ttrpc.pb.h"
#include "ttrpc/status.h"

namespace vc::ttrpc {
namespace {

TEST(Frame, HeaderIsTenBytesBigEndian) {
  std::string f = EncodeFrame(0x01020304, MessageType::kResponse, "abc", 0x5);
  ASSERT_EQ(f.size(), 13u);
  EXPECT_EQ(f.substr(0, 10), std::string("\x00\x00\x00\x03\x01\x02\x03\x04\x02\x05", 10));
  EXPECT_EQ(f.substr(10), "abc");
  Header h = DecodeHeader(f.data());
  EXPECT_EQ(h.length, 3u);
  EXPECT_EQ(h.stream_id, 0x01020304u);
  EXPECT_EQ(h.type, 2);
  EXPECT_EQ(h.flags, 5);
}

TEST(Frame, DecoderReassemblesByteByByte) {
  std::string stream = EncodeFrame(1, MessageType::kRequest, "hello") +
                       EncodeFrame(3, MessageType::kRequest, "") +
                       EncodeFrame(5, MessageType::kRequest, std::string(70000, 'x'));
  FrameDecoder d;
  std::vector<Frame> frames;
  for (char c : stream) {
    d.Feed(std::string_view(&c, 1));
    while (auto f = d.Next()) frames.push_back(*f);
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].payload, "hello");
  EXPECT_EQ(frames[1].header.stream_id, 3u);
  EXPECT_EQ(frames[1].payload, "");
  EXPECT_EQ(frames[2].payload.size(), 70000u);
  EXPECT_EQ(d.pending(), 0u);
}

TEST(Frame, OversizedFrameIsSkippedAndStreamStaysInSync) {
  FrameDecoder d(/*max_message_size=*/16);
  std::string big = EncodeFrame(7, MessageType::kRequest, std::string(100, 'y'));
  std::string next = EncodeFrame(9, MessageType::kRequest, "ok");
  d.Feed(big.substr(0, 30));  // header plus part of the payload
  auto first = d.Next();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->oversized);
  EXPECT_EQ(first->header.stream_id, 7u);
  EXPECT_FALSE(d.Next());
  d.Feed(big.substr(30) + next);
  auto second = d.Next();
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->oversized);
  EXPECT_EQ(second->header.stream_id, 9u);
  EXPECT_EQ(second->payload, "ok");
}

TEST(Frame, DefaultLimitIsFourMiB) {
  FrameDecoder d;
  char header[kHeaderSize];
  EncodeHeader({kMaxMessageSize + 1, 1, 1, 0}, header);
  d.Feed({header, kHeaderSize});
  auto f = d.Next();
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->oversized);
}

TEST(Status, ErrorResponseCarriesCodeAndMessage) {
  Response r;
  ASSERT_TRUE(r.ParseFromString(EncodeResponse(Fail(ErrorCode::kNotFound, "no such container"))));
  EXPECT_EQ(r.status().code(), static_cast<int>(Code::kNotFound));
  EXPECT_EQ(r.status().message(), "no such container");
  EXPECT_EQ(FromCode(r.status().code()), ErrorCode::kNotFound);
}

TEST(Status, SuccessResponseCarriesPayload) {
  Response r;
  ASSERT_TRUE(r.ParseFromString(EncodeResponse(std::string("payload"))));
  EXPECT_EQ(r.status().code(), 0);
  EXPECT_EQ(r.payload(), "payload");
}

}  // namespace
}  // namespace vc::ttrpc

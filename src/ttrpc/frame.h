// ttRPC framing (containerd's ttrpc): a 10-byte big-endian header
//   uint32 length | uint32 stream id | uint8 type | uint8 flags
// followed by `length` bytes of payload (a protobuf Request or Response).
// Pure functions and a decoder that copes with partial reads; no I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vc::ttrpc {

inline constexpr size_t kHeaderSize = 10;
inline constexpr uint32_t kMaxMessageSize = 4u << 20;

enum class MessageType : uint8_t { kRequest = 1, kResponse = 2, kData = 3 };

struct Header {
  uint32_t length = 0;
  uint32_t stream_id = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
};

void EncodeHeader(const Header& header, char out[kHeaderSize]);
Header DecodeHeader(const char in[kHeaderSize]);

// Header + payload, ready to write. REQUIRES: payload.size() <= kMaxMessageSize.
std::string EncodeFrame(uint32_t stream_id, MessageType type, std::string_view payload,
                        uint8_t flags = 0);

struct Frame {
  Header header;
  std::string payload;
  // The header announced more than kMaxMessageSize bytes. The payload is
  // skipped by the decoder (the stream stays in sync) and left empty; the
  // receiver should answer that stream with an error.
  bool oversized = false;
};

// Reassembles frames from arbitrary chunks of a byte stream.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_message_size = kMaxMessageSize) : max_(max_message_size) {}

  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete frame, or nothing until more bytes are fed.
  std::optional<Frame> Next();
  // Bytes held that do not yet form a frame.
  size_t pending() const { return buffer_.size(); }

 private:
  uint32_t max_;
  std::string buffer_;
  uint64_t skip_ = 0;  // payload bytes of an oversized frame still to drop
};

}  // namespace vc::ttrpc

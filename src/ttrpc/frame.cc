#include "ttrpc/frame.h"

#include <algorithm>
#include <cassert>

namespace vc::ttrpc {

namespace {
void PutU32(char* out, uint32_t v) {
  out[0] = static_cast<char>(v >> 24);
  out[1] = static_cast<char>(v >> 16);
  out[2] = static_cast<char>(v >> 8);
  out[3] = static_cast<char>(v);
}
uint32_t GetU32(const char* in) {
  auto b = [&](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(in[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}
}  // namespace

void EncodeHeader(const Header& header, char out[kHeaderSize]) {
  PutU32(out, header.length);
  PutU32(out + 4, header.stream_id);
  out[8] = static_cast<char>(header.type);
  out[9] = static_cast<char>(header.flags);
}

Header DecodeHeader(const char in[kHeaderSize]) {
  return Header{GetU32(in), GetU32(in + 4), static_cast<uint8_t>(in[8]),
                static_cast<uint8_t>(in[9])};
}

std::string EncodeFrame(uint32_t stream_id, MessageType type, std::string_view payload,
                        uint8_t flags) {
  assert(payload.size() <= kMaxMessageSize);
  std::string out(kHeaderSize, '\0');
  EncodeHeader({static_cast<uint32_t>(payload.size()), stream_id, static_cast<uint8_t>(type),
                flags},
               out.data());
  out.append(payload);
  return out;
}

std::optional<Frame> FrameDecoder::Next() {
  if (skip_ > 0) {
    size_t drop = static_cast<size_t>(std::min<uint64_t>(skip_, buffer_.size()));
    buffer_.erase(0, drop);
    skip_ -= drop;
    if (skip_ > 0) return std::nullopt;
  }
  if (buffer_.size() < kHeaderSize) return std::nullopt;
  Header header = DecodeHeader(buffer_.data());
  if (header.length > max_) {
    buffer_.erase(0, kHeaderSize);
    skip_ = header.length;
    Frame frame{header, {}, true};
    // Drop what is already buffered now, so pending() reflects real frames.
    size_t drop = static_cast<size_t>(std::min<uint64_t>(skip_, buffer_.size()));
    buffer_.erase(0, drop);
    skip_ -= drop;
    return frame;
  }
  if (buffer_.size() < kHeaderSize + header.length) return std::nullopt;
  Frame frame{header, buffer_.substr(kHeaderSize, header.length), false};
  buffer_.erase(0, kHeaderSize + header.length);
  return frame;
}

}  // namespace vc::ttrpc

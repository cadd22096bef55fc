#include "protocol/console_frames.h"

namespace vc::agent::console {

namespace {

void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

uint16_t GetU16(std::string_view in, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(in[at]) << 8) | static_cast<uint8_t>(in[at + 1]));
}

}  // namespace

std::string Encode(Type type, std::string_view payload) {
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  out.push_back(static_cast<char>(type));
  PutU16(out, static_cast<uint16_t>(payload.size()));
  out.append(payload);
  return out;
}

std::string SizePayload(Size size) {
  std::string out;
  PutU16(out, size.rows);
  PutU16(out, size.cols);
  return out;
}

std::string HelloPayload(std::string_view nonce, Size size) { return std::string(nonce) + SizePayload(size); }

std::string ExitPayload(int32_t code) {
  const auto v = static_cast<uint32_t>(code);
  std::string out;
  PutU16(out, static_cast<uint16_t>(v >> 16));
  PutU16(out, static_cast<uint16_t>(v & 0xffff));
  return out;
}

Result<Size> ParseSize(std::string_view payload) {
  if (payload.size() != 4)
    return Fail(ErrorCode::kInvalidArgument, "console size of " + std::to_string(payload.size()) + " bytes, not 4");
  return Size{GetU16(payload, 0), GetU16(payload, 2)};
}

Result<std::pair<std::string, Size>> ParseHello(std::string_view payload) {
  if (payload.size() != kNonceSize + 4)
    return Fail(ErrorCode::kInvalidArgument,
                "console hello of " + std::to_string(payload.size()) + " bytes, not " + std::to_string(kNonceSize + 4));
  auto size = ParseSize(payload.substr(kNonceSize));
  if (!size) return std::unexpected(size.error());
  return std::pair{std::string(payload.substr(0, kNonceSize)), *size};
}

Result<int32_t> ParseExit(std::string_view payload) {
  if (payload.size() != 4)
    return Fail(ErrorCode::kInvalidArgument, "console exit of " + std::to_string(payload.size()) + " bytes, not 4");
  return static_cast<int32_t>((uint32_t{GetU16(payload, 0)} << 16) | GetU16(payload, 2));
}

Result<std::optional<Frame>> Parser::Next() {
  if (buffer_.size() < kHeaderSize) return std::nullopt;
  const auto type = static_cast<uint8_t>(buffer_[0]);
  if (type < static_cast<uint8_t>(Type::kHello) || type > static_cast<uint8_t>(Type::kEndOfInput))
    return Fail(ErrorCode::kInvalidArgument, "console frame of unknown type " + std::to_string(type));
  const size_t length = GetU16(buffer_, 1);
  if (length > kMaxPayload)
    return Fail(ErrorCode::kInvalidArgument, "console frame of " + std::to_string(length) + " bytes, above " +
                                                 std::to_string(kMaxPayload));
  if (buffer_.size() < kHeaderSize + length) return std::nullopt;
  Frame frame{static_cast<Type>(type), buffer_.substr(kHeaderSize, length)};
  buffer_.erase(0, kHeaderSize + length);
  return frame;
}

bool Parser::SkipPast(std::string_view frame) {
  const size_t at = buffer_.find(frame);
  if (at != std::string::npos) {
    buffer_.erase(0, at + frame.size());
    return true;
  }
  // A prefix of the frame may end the buffer: keep that much.
  const size_t keep = std::min(buffer_.size(), frame.size() - 1);
  buffer_.erase(0, buffer_.size() - keep);
  return false;
}

}  // namespace vc::agent::console

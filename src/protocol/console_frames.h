// The debug console's wire format: frames over the virtio-serial port named
// kConsolePortName, between the host library and the guest agent (both
// include this header, so the two ends cannot disagree).
//
// A frame is a 1-byte type, a 2-byte big-endian payload length and the
// payload. The host opens a session with kHello (a nonce it chose and the
// terminal's size); the agent starts a shell and answers kReady with the same
// nonce. The host reads nothing before that kReady: a byte stream that a
// session before it left behind cannot be mistaken for this session's frames.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vc/result.h"

namespace vc::agent::console {

// Name of the port in /sys/class/virtio-ports/*/name.
inline constexpr const char* kPortName = "vc.console";
// Kernel parameter that tells the agent to serve the console.
inline constexpr const char* kKernelParam = "vc.debug_console=1";
// The guest asset with the console's shell (/bin/busybox), beside the
// initramfs it is appended to.
inline constexpr const char* kArchiveName = "console.cpio";
// Largest payload a frame carries (the guest writes a frame in one write,
// which a virtio-serial port takes whole up to 32 KiB).
inline constexpr size_t kMaxPayload = 16384;
inline constexpr size_t kHeaderSize = 3;
inline constexpr size_t kNonceSize = 8;

enum class Type : uint8_t {
  kHello = 1,   // host: nonce, rows, cols (0 x 0: no terminal; the shell reads a script)
  kInput = 2,   // host: what the user typed
  kResize = 3,  // host: rows, cols
  kReady = 4,   // guest: the hello's nonce; the shell runs
  kOutput = 5,  // guest: what the shell wrote
  kExit = 6,    // guest: the shell's exit code (or 128 + signal), 4 bytes
  kEndOfInput = 7,  // host: no more input (a shell without a terminal reads end-of-file)
};

struct Frame {
  Type type;
  std::string payload;
};

struct Size {
  uint16_t rows = 0;
  uint16_t cols = 0;
};

// One frame's bytes. REQUIRES: payload.size() <= kMaxPayload.
std::string Encode(Type type, std::string_view payload);

std::string HelloPayload(std::string_view nonce, Size size);
std::string SizePayload(Size size);
std::string ExitPayload(int32_t code);

// The nonce and size of a kHello payload, the size of a kResize one, the
// code of a kExit one; an error names what is wrong with it.
Result<std::pair<std::string, Size>> ParseHello(std::string_view payload);
Result<Size> ParseSize(std::string_view payload);
Result<int32_t> ParseExit(std::string_view payload);

// Splits a byte stream into frames.
class Parser {
 public:
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole frame; nullopt when more bytes are needed; an error for a
  // type no frame has or a length above kMaxPayload (the stream is then
  // out of step and the session should end).
  Result<std::optional<Frame>> Next();
  // Drops everything before the first occurrence of `frame`'s bytes and that
  // frame too: true once found. Until then keeps only the bytes that could
  // still begin it.
  bool SkipPast(std::string_view frame);

 private:
  std::string buffer_;
};

}  // namespace vc::agent::console

// ttRPC as a peer may send it: arbitrary bytes cut into frames by the
// decoder (in the chunks the input's first byte picks), each frame's payload
// read as a Request (what the agent and the supervisor decode) and as a
// Response (what the library decodes).
#include <cstdint>
#include <string_view>

#include "ttrpc.pb.h"
#include "ttrpc/frame.h"
#include "ttrpc/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  // A small limit, so that the oversized path is reached too.
  vc::ttrpc::FrameDecoder decoder(4096);
  while (!rest.empty()) {
    const size_t n = rest.size() < chunk ? rest.size() : chunk;
    decoder.Feed(rest.substr(0, n));
    rest.remove_prefix(n);
    while (auto frame = decoder.Next()) {
      if (frame->oversized && !frame->payload.empty()) __builtin_trap();
      vc::ttrpc::Request request;
      (void)request.ParseFromString(frame->payload);
      (void)vc::ttrpc::DecodeResponse(*frame);
    }
  }
  return 0;
}

// A sandbox's persisted state (state.json) as a crash mid-write or an edit
// by hand may leave it: an unreadable record is an error, never a crash; a
// readable one survives a round trip.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "sandbox/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;
  auto record = vc::SandboxRecordFromJson(doc);
  if (!record) return 0;
  if (!vc::SandboxRecordFromJson(vc::ToJson(*record))) __builtin_trap();
  return 0;
}

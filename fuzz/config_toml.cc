// The runtime's configuration file (TOML), as a user may write it: errors
// name the file and the key, nothing crashes.
#include <cstdint>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)vc::config::Parse(text, "fuzz.toml", vc::config::Defaults("/guest"));
  return 0;
}

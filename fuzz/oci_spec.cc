// An OCI runtime spec (config.json) as a user or an orchestrator may write
// it: parsed, and validated when it parses; the process and resources
// objects as an exec or an update sends them.
#include <cstdint>
#include <string>

#include "oci/spec.h"
#include "oci/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto spec = vc::oci::Parse(text)) (void)vc::oci::Validate(*spec);
  if (auto process = vc::oci::ParseProcess(text)) (void)vc::oci::ValidateProcess(*process);
  (void)vc::oci::ParseResources(text);
  return 0;
}

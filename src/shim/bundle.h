// What the shim leaves in a container's bundle directory (config.json is read
// by oci::LoadBundle).
#pragma once

#include <string>

#include "vc/result.h"

namespace vc::shim {

// Where a container's sandbox lives, recorded at create so that `delete`
// (run after a shim died) can clean up: <bundle>/vc-shim.json.
struct BundleRecord {
  std::string state_root;
  std::string sandbox_id;
};

Result<> WriteBundleRecord(const std::string& bundle, const BundleRecord& record);
// kNotFound if the shim never got as far as creating the container.
Result<BundleRecord> ReadBundleRecord(const std::string& bundle);

}  // namespace vc::shim

// What the shim reads from and leaves in a container's bundle directory.
#pragma once

#include <map>
#include <string>

#include "vc/result.h"

namespace vc::shim {

// The annotations of <bundle>/config.json.
Result<std::map<std::string, std::string>> BundleAnnotations(const std::string& bundle);

// linux.resources of <bundle>/config.json as JSON; "" if there is none.
Result<std::string> BundleResources(const std::string& bundle);

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

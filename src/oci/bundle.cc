// OCI bundle (config.json + root filesystem) to ContainerConfig.
#include <filesystem>

#include "oci/convert.h"
#include "vc/vc.h"

namespace vc {

Result<ContainerConfig> ContainerConfigFromBundle(const std::string& bundle) {
  auto spec = oci::LoadBundle(bundle);
  if (!spec) return std::unexpected(spec.error());
  if (!spec->process)
    return Fail(ErrorCode::kInvalidArgument, bundle + "/config.json: process is required");
  ContainerConfig config = oci::ContainerConfigOf(*spec);
  config.bundle = std::filesystem::absolute(bundle).lexically_normal().string();
  return config;
}

}  // namespace vc

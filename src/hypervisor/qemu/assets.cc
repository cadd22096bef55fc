#include "hypervisor/qemu/assets.h"

#include "os/file.h"

namespace vc::hypervisor::qemu {

Result<> CheckGuestAssets(const HypervisorConfig& c) {
  if (!os::Exists(c.kernel_path))
    return Fail(ErrorCode::kNotFound, "guest kernel not found at '" + c.kernel_path +
                                          "': build the guest assets (cmake --build build) or pass --kernel");
  if (!os::Exists(c.initrd_path))
    return Fail(ErrorCode::kNotFound, "guest initramfs not found at '" + c.initrd_path +
                                          "': build the guest assets (cmake --build build) or pass --initrd");
  return {};
}

}  // namespace vc::hypervisor::qemu

#include "hypervisor/qemu/accel.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/file.h"

namespace vc::hypervisor::qemu {

Result<std::string> ChooseAccel(const std::string& requested, const std::string& kvm_device,
                                const std::string& modules_dir) {
  if (requested == "tcg") return std::string("tcg");
  if (requested != "auto" && requested != "kvm")
    return Fail(ErrorCode::kInvalidArgument,
                "unknown accelerator '" + requested + "' (use auto, kvm or tcg)");
  if (os::Exists(modules_dir + "/kvm_pvm")) {
    if (requested == "auto") return std::string("tcg");
    return Fail(ErrorCode::kUnavailable,
                "KVM requested but this host's KVM is PVM (module kvm_pvm), which runs only PVM guest "
                "kernels: use accel tcg");
  }
  int fd = ::open(kvm_device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return std::string("kvm");
  }
  if (requested == "auto") return std::string("tcg");
  return Fail(ErrorCode::kUnavailable, "KVM requested but " + kvm_device +
                                           " is not usable: " + std::strerror(errno));
}

}  // namespace vc::hypervisor::qemu

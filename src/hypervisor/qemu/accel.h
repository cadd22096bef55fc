// Choosing QEMU's accelerator: KVM when /dev/kvm is usable, TCG otherwise.
//
// "Usable" means a KVM that runs an ordinary guest kernel. A host whose KVM
// is PVM (the kvm_pvm module: KVM for guests that run inside another VM)
// runs only kernels built as PVM guests, which the guest kernel is not; it
// counts as no KVM.
#pragma once

#include <string>

#include "vc/result.h"

namespace vc::hypervisor::qemu {

struct AccelChoice {
  std::string accel;  // "kvm" or "tcg"
  std::string why;    // for people: why this one (`virtc check`)
};

// `requested`: "auto", "kvm" or "tcg". `kvm_device` and `modules_dir` (where
// loaded kernel modules appear) are injectable for tests.
Result<AccelChoice> ExplainAccel(const std::string& requested,
                                 const std::string& kvm_device = "/dev/kvm",
                                 const std::string& modules_dir = "/sys/module");
// ExplainAccel's accelerator.
Result<std::string> ChooseAccel(const std::string& requested,
                                const std::string& kvm_device = "/dev/kvm",
                                const std::string& modules_dir = "/sys/module");

// The host's TSC frequency in kHz, measured against the monotonic clock over
// a few milliseconds (a TCG guest's TSC counts the host's); 0 where the TSC
// does not tick at a constant rate.
uint32_t HostTscKhz();

}  // namespace vc::hypervisor::qemu

// Choosing QEMU's accelerator: KVM when /dev/kvm is usable, TCG otherwise.
#pragma once

#include <string>

#include "vc/result.h"

namespace vc::hypervisor::qemu {

// `requested`: "auto", "kvm" or "tcg". `kvm_device` is injectable for tests.
Result<std::string> ChooseAccel(const std::string& requested,
                                const std::string& kvm_device = "/dev/kvm");

}  // namespace vc::hypervisor::qemu

// The guest's CPUs: vCPUs the host hot-plugs arrive offline (no udev here
// to bring them up), and the agent onlines them when the host asks.
#pragma once

#include <cstdint>
#include <string>

#include "vc/result.h"

namespace vc::agent {

// Onlines every present offline CPU under `sysfs_cpus` (/sys/devices/system/cpu);
// returns how many are online then.
Result<uint32_t> OnlineCpus(const std::string& sysfs_cpus = "/sys/devices/system/cpu");

}  // namespace vc::agent

// The guest's own counters for the host's monitoring (GuestStats): parsed
// from the guest kernel's /proc and /sys files. The parsers are pure, for
// unit tests on the host.
#pragma once

#include <string>
#include <string_view>

#include "agent.pb.h"

namespace vc::agent {

// MemTotal and MemAvailable of /proc/meminfo.
void ParseMeminfo(std::string_view text, v1::GuestStatsResponse& out);
// The "cpu" line of /proc/stat, in clock ticks of `ticks_per_second`.
void ParseCpuTimes(std::string_view text, long ticks_per_second, v1::GuestStatsResponse& out);
void ParseLoadavg(std::string_view text, v1::GuestStatsResponse& out);
// Whole disks of /proc/diskstats (vd*, sd* without a partition number).
void ParseDiskstats(std::string_view text, v1::GuestStatsResponse& out);

// All of it, read now; interfaces from /sys/class/net (loopback aside).
v1::GuestStatsResponse CollectGuestStats();

}  // namespace vc::agent

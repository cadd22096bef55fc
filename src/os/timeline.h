// A sandbox's start timeline (vc::StartPhase): moments taken on
// CLOCK_MONOTONIC, which every process on the host shares, so the supervisor
// and the library each add their own phases to one timeline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vc/types.h"

namespace vc {

int64_t MonotonicNs();

struct Moment {
  std::string phase;
  int64_t mono_ns = 0;
};

struct Timeline {
  int64_t start_ns = 0;  // when the start began; 0: none recorded
  std::vector<StartPhase> phases;

  void Begin(int64_t now_ns);
  // Adds `phase` at `mono_ns`, never before the phase added last (the guest's
  // moments come from its own clock, mapped onto the host's).
  void Add(const std::string& phase, int64_t mono_ns);
  void AddNow(const std::string& phase) { Add(phase, MonotonicNs()); }
  bool Has(const std::string& prefix) const;
};

// The guest's phases from what the agent answered at `answered_ns`: its
// uptime then and when it started (CLOCK_BOOTTIME, microseconds).
std::vector<Moment> GuestMoments(int64_t answered_ns, uint64_t uptime_usec, uint64_t agent_start_usec);

// One line: "supervisor=12 share-fs=40 ..." (milliseconds since the start).
std::string TimelineLine(const std::vector<StartPhase>& phases);

}  // namespace vc

#include "os/timeline.h"

#include <time.h>

#include <cmath>
#include <cstdio>

namespace vc {

int64_t MonotonicNs() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

void Timeline::Begin(int64_t now_ns) {
  start_ns = now_ns;
  phases.clear();
}

void Timeline::Add(const std::string& phase, int64_t mono_ns) {
  if (start_ns == 0) return;
  double at = static_cast<double>(mono_ns - start_ns) / 1e6;
  if (!phases.empty()) at = std::max(at, phases.back().at_ms);
  phases.push_back({phase, std::round(at * 10) / 10});
}

bool Timeline::Has(const std::string& prefix) const {
  for (const auto& p : phases)
    if (p.name.starts_with(prefix)) return true;
  return false;
}

std::vector<Moment> GuestMoments(int64_t answered_ns, uint64_t uptime_usec, uint64_t agent_start_usec) {
  if (uptime_usec == 0 || agent_start_usec > uptime_usec) return {};
  const int64_t boot = answered_ns - static_cast<int64_t>(uptime_usec) * 1000;
  return {{"guest-kernel", boot}, {"agent-start", boot + static_cast<int64_t>(agent_start_usec) * 1000}};
}

std::string TimelineLine(const std::vector<StartPhase>& phases) {
  std::string out;
  char value[32];
  for (const auto& p : phases) {
    std::snprintf(value, sizeof value, "%.0f", p.at_ms);
    out += (out.empty() ? "" : " ") + p.name + "=" + value;
  }
  return out;
}

}  // namespace vc

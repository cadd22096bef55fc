// The Prometheus text format (version 0.0.4) of a monitoring sample.
#pragma once

#include <string>
#include <vector>

#include "vc/vc.h"

namespace vc::monitor {

// Every metric with its HELP and TYPE lines; names prefixed vc_, labels
// `sandbox`, and `container`, `process`, `interface` or `disk` where they
// apply; the runtime's counts beside them.
std::string Exposition(const std::vector<vc::SandboxSample>& samples, const vc::RuntimeCounts& counts,
                       double scrape_seconds);

}  // namespace vc::monitor

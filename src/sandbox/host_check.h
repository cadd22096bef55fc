// Whether this host can run sandboxes with a configuration, requirement by
// requirement (`virtc check`): what is there, why it matters, what to do.
#pragma once

#include <string>
#include <vector>

#include "vc/types.h"

namespace vc {

// `state_root` and `supervisor_path` as in RuntimeOptions. Runs QEMU's and
// virtiofsd's --version; changes nothing on the host.
std::vector<HostCheck> CheckHost(const HypervisorConfig& config, const std::string& state_root,
                                 const std::string& supervisor_path);

// The git commit recorded in a binary or image that holds one of this
// project's binaries (such as the initramfs with vc-agent); empty if none.
std::string BuildCommitIn(std::string_view image);

}  // namespace vc

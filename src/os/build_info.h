// What a binary of this project was built from: the project's version and
// the git commit of its source tree, for --version, the agent's report and
// `virtc check` (which compares the agent in the initramfs with the host's).
#pragma once

namespace vc::os {

inline constexpr const char* kVersion = VC_VERSION;

// The commit (40 hex digits; "-dirty" appended when the tree had
// uncommitted changes; "unknown" when built outside git).
const char* BuildCommit();

// "vc-build-commit=" followed by BuildCommit(): a string every binary
// carries, so that one can be found in an image such as the initramfs.
const char* BuildInfoMarker();

}  // namespace vc::os

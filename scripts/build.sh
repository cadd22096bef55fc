#!/usr/bin/env bash
# Installs dependencies (Debian packages) and builds everything: the library,
# virtc, vc-supervisor, vc-agent and the guest kernel + initramfs in build/guest/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

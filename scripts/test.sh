#!/usr/bin/env bash
# Builds everything, then runs the whole test suite: unit tests and the
# end-to-end tests that boot real VMs (QEMU; TCG when there is no KVM).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure "$@"

#!/usr/bin/env bash
# The pod soak, long: tests/e2e/test_cri_soak.sh with 4 workers churning pods
# (two containers, exec, port-forward, update, stop, remove) for an hour
# beside 20 idle pods; prints pods a minute and the census before and after.
#   bench/soak.sh [SECONDS] [WORKERS] [IDLE]   (default 3600 4 20; needs root
#                                               and a build: scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/bin/containerd-shim-vc-v2 ] || { echo "missing build/bin: run scripts/build.sh" >&2; exit 1; }
SOAK_SECONDS=${1:-3600} SOAK_WORKERS=${2:-4} SOAK_IDLE=${3:-20} VC_BUILD=$PWD/build VC_SOURCE=$PWD \
  exec bash tests/e2e/test_cri_soak.sh

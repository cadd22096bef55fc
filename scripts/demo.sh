#!/usr/bin/env bash
# Builds everything, then runs a command in a container inside a VM: the
# container prints the kernel release it sees (the guest's, not the host's).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
rootfs=build/demo-rootfs
[ -x "$rootfs/bin/sh" ] || bash scripts/make-rootfs.sh "$rootfs"
echo "host kernel:      $(uname -r)"
echo -n "container in VM:  "
build/bin/virtc run --rootfs "$rootfs" -- uname -r

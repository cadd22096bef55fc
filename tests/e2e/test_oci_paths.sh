#!/usr/bin/env bash
# linux.maskedPaths and linux.readonlyPaths (directories and files), under
# runc and virtc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

mkdir -p "$ROOTFS/etc/masked-dir" "$ROOTFS/etc/ro-dir"
echo secret >"$ROOTFS/etc/masked-dir/key"
echo secret >"$ROOTFS/etc/masked-file"
b=$(new_bundle paths)
spec_set "$b" '.linux.maskedPaths += ["/etc/masked-dir", "/etc/masked-file", "/etc/not-there"]
  | .linux.readonlyPaths += ["/etc/ro-dir"]'
spec_script "$b" 'ls -A /etc/masked-dir; echo "[$(cat /etc/masked-file)]"
touch /etc/masked-dir/x 2>&1; touch /etc/ro-dir/x 2>&1; touch /etc/writable && echo "root writable"
{ echo 1 >/proc/sys/kernel/shmmax; } 2>&1 || true'
same "$b" "masked and read-only paths"
assert_contains "$SAME_OUT" "[]" "a masked file reads empty"
assert_contains "$SAME_OUT" "touch: /etc/ro-dir/x: Read-only file system" "a read-only path"
[ -e "$ROOTFS/etc/masked-dir/key" ] || fail "masking touched the image"
assert_clean

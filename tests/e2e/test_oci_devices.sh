#!/usr/bin/env bash
# linux.devices and the default device nodes: type, numbers, mode and owner
# of every node in /dev, under runc and virtc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

b=$(new_bundle devices)
spec_set "$b" '.linux.devices = [
    {path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 384, uid: 1, gid: 2},
    {path: "/dev/loop-vc", type: "b", major: 7, minor: 200, fileMode: 432},
    {path: "/dev/pipe-vc", type: "p", fileMode: 420},
    {path: "/dev/sub/zero2", type: "c", major: 1, minor: 5}]
  | .linux.resources.devices = [{allow: true, access: "rwm"}]'
# /dev/core exists where the kernel has /proc/kcore: the guest has, this host may not.
spec_script "$b" 'for f in /dev/* /dev/sub/*; do [ "$f" = /dev/core ] || stat -c "%n %F %t:%T %a %u:%g" "$f"; done'
same "$b" "device nodes"
assert_contains "$SAME_OUT" "/dev/fuse character special file a:e5 600 1:2" "the spec's character device"
assert_contains "$SAME_OUT" "/dev/pipe-vc fifo" "the spec's fifo"

# linux.resources.devices: the cgroup's device filter (v1 lists under runc on
# this host, an eBPF filter on the guest's cgroup v2). Write-only access to
# /dev/kmsg, nothing on a block device; the default nodes stay usable.
b=$(new_bundle device-cgroup)
spec_set "$b" '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 384},
                                  {path: "/dev/loop-vc", type: "b", major: 7, minor: 200, fileMode: 384}]
  | .linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 11, access: "w"}]'
spec_script "$b" '(exec 3>/dev/kmsg) && echo "kmsg: write allowed"
(exec 3</dev/kmsg) 2>&1; (exec 3</dev/loop-vc) 2>&1
echo x >/dev/null && head -c 4 /dev/zero | wc -c'
same "$b" "the device cgroup"
assert_contains "$SAME_OUT" "kmsg: write allowed" "an allowed access"
assert_contains "$SAME_OUT" "can't open /dev/loop-vc: Operation not permitted" "a denied device"

b=$(new_bundle bad-device)
spec_set "$b" '.linux.devices = [{path: "/dev/odd", type: "x", major: 1, minor: 1}]'
refused "$b" "type 'x' is not one of c, b, u, p" "a device of an invalid type"

assert_clean

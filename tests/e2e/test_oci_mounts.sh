#!/usr/bin/env bash
# mounts[] and root.readonly: tmpfs with size and mode, read-only and
# read-write binds of host directories, a bound host file, a read-only root;
# what /proc/self/mountinfo shows and what a write does, under runc and virtc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

mkdir -p "$WORK/vol-ro" "$WORK/vol-rw"
echo kept >"$WORK/vol-ro/f"
echo "from the host" >"$WORK/hostfile"

b=$(new_bundle mounts)
spec_set "$b" '.root.readonly = true | .mounts += [
    {destination: "/data", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=1m", "mode=700"]},
    {destination: "/vol-ro", type: "bind", source: ($w + "/vol-ro"), options: ["rbind", "ro"]},
    {destination: "/vol-rw", type: "bind", source: ($w + "/vol-rw"), options: ["rbind", "rw", "noexec"]},
    {destination: "/etc/hostfile", type: "bind", source: ($w + "/hostfile"), options: ["bind", "ro"]}]' --arg w "$WORK"
# Mount point and per-mount options of each; the file system types differ by
# nature (the guest sees host paths through virtio-fs: docs/oci.md).
spec_script "$b" '
for d in / /data /vol-ro /vol-rw /etc/hostfile /proc /dev /dev/pts /dev/shm /dev/mqueue /sys; do
  awk -v d="$d" '"'"'$5 == d { print $5, $6 }'"'"' /proc/self/mountinfo
done
stat -c "%a" /data
cat /vol-ro/f /etc/hostfile
{ touch /on-root; touch /vol-ro/new; echo hi >/etc/hostfile; } 2>&1
touch /vol-rw/written && echo wrote
touch /data/tmp && echo tmpfs writable'
same "$b" "mounts, their options and a read-only root"
assert_contains "$SAME_OUT" "/vol-ro ro" "the read-only bind"
assert_contains "$SAME_OUT" "Read-only file system" "writes to read-only mounts"
[ -e "$WORK/vol-rw/written" ] || fail "the read-write bind did not reach the host"
[ ! -e "$WORK/vol-ro/new" ] || fail "a write went through the read-only bind"
assert_eq "from the host" "$(cat "$WORK/hostfile")" "the bound file is unchanged"

# The host's side of a read-only bind is read-only too: a container allowed to
# remount its view read-write still cannot write through (under runc it could).
b=$(new_bundle remount)
spec_set "$b" '.mounts += [{destination: "/vol-ro", type: "bind", source: ($w + "/vol-ro"), options: ["rbind", "ro"]}]
  | .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
  | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]' --arg w "$WORK"
spec_script "$b" 'mount -o remount,rw,bind /vol-ro && echo remounted; touch /vol-ro/through 2>&1; true'
out=$(run_vc "$b")
assert_contains "$out" "remounted" "the guest remounts its view"
assert_contains "$out" "Read-only file system" "the write through the remounted view"
[ ! -e "$WORK/vol-ro/through" ] || fail "a guest wrote through a read-only bind"
pass "a read-only bind stays read-only on the host's side"

# A symlink in the image must not move a mount outside the root.
outside="/tmp/vc-oci-escape-$$"
ln -s "../../../../../..$outside" "$ROOTFS/escape"
b=$(new_bundle symlink)
spec_set "$b" '.mounts += [{destination: "/escape", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
spec_script "$b" 'awk '"'"'$5 ~ /escape/ { print $5 }'"'"' /proc/self/mountinfo'
same "$b" "a mount destination through a symlink"
assert_eq "$outside" "$SAME_OUT" "the mount lands inside the root"
[ ! -e "$outside" ] || fail "a mount destination escaped to the host's $outside"
rm -f "$ROOTFS/escape"; rm -rf "${ROOTFS:?}$outside"

b=$(new_bundle missing-source)
spec_set "$b" '.mounts += [{destination: "/v", type: "bind", source: "/nonexistent/vc-volume", options: ["rbind"]}]'
refused "$b" "/nonexistent/vc-volume" "a bind of a missing host path"

b=$(new_bundle proc-bind)
spec_set "$b" '.mounts += [{destination: "/proc", type: "bind", source: "/proc", options: ["rbind"]}]'
refused "$b" "only a proc file system may be mounted on /proc" "a bind over /proc"

b=$(new_bundle relative)
spec_set "$b" '.mounts += [{destination: "data", type: "tmpfs", source: "tmpfs"}]'
refused "$b" "the destination must be an absolute path" "a relative destination"

b=$(new_bundle unknown-fs)
spec_set "$b" '.mounts += [{destination: "/x", type: "nosuchfs", source: "none"}]'
refused "$b" "the guest kernel has no file system of type 'nosuchfs'" "an unknown file system type"

assert_clean

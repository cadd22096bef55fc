# The host side's confinement: QEMU under its own seccomp filter, virtiofsd
# sandboxed into the sandbox's share, the state directory and every socket
# and log in it reachable by their owner only; with rootless, QEMU as a user
# of its own.
source "$(dirname "$0")/lib.sh"

virtc sandbox run --id conf --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
sb=$ROOT/sbs/conf
seccomp() { awk '/^Seccomp:/ {print $2}' "/proc/$1/status"; }

qemu=$(pgrep -f -- "-name sandbox-conf,")
assert_eq 2 "$(seccomp "$qemu")" "QEMU's seccomp mode (2: filter)"
assert_contains "$(tr '\0' ' ' <"/proc/$qemu/cmdline")" "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny" \
  "QEMU's sandbox options"
pass "QEMU runs under its seccomp filter (no obsolete calls, no setuid, no spawn, no scheduling changes)"

worker=""
for pid in $(pgrep -f -- "virtiofsd --socket-path=$sb/"); do
  [ "$(seccomp "$pid")" = 2 ] && worker=$pid
done
[ -n "$worker" ] || fail "no virtiofsd process runs under a seccomp filter"
assert_eq "1" "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$worker/status")" "virtiofsd's no_new_privs"
[ -d "/proc/$worker/root/main/rootfs" ] || fail "virtiofsd's root is not the sandbox's share: $(ls "/proc/$worker/root/")"
[ ! -e "/proc/$worker/root/usr" ] || fail "virtiofsd sees the host's /usr"
pass "virtiofsd serves from inside the share only, under seccomp and no_new_privs"

assert_eq 700 "$(stat -c %a "$sb")" "the sandbox's state directory"
open=$(find "$sb" -mindepth 1 -maxdepth 1 ! -name shared -perm /077 -printf '%m %p\n')
[ -z "$open" ] || fail "group or others may use: $open"
for s in vc.sock control.sock qmp.sock agent.sock; do [ -S "$sb/$s" ] || fail "no socket $sb/$s"; done
pass "state, sockets and logs are their owner's only (0700 directory, no group or other bits)"
virtc sandbox delete --id conf --force

# QEMU's umask (077, for its sockets) does not reach files the guest makes
# over 9p: their modes are the guest's.
mkdir -p "$WORK/bundle" "$WORK/vol"
ln -s "$ROOTFS" "$WORK/bundle/rootfs"
cat >"$WORK/bundle/config.json" <<JSON
{"ociVersion": "1.0.2",
 "process": {"args": ["sh", "-c", "umask 022; echo a >/data/file; mkdir /data/dir"], "env": ["PATH=/bin"], "cwd": "/"},
 "root": {"path": "rootfs"},
 "mounts": [{"destination": "/data", "type": "bind", "source": "$WORK/vol", "options": ["rbind", "rw"]}]}
JSON
virtc --shared-fs virtio-9p run --bundle "$WORK/bundle"
assert_eq "644 755" "$(stat -c %a "$WORK/vol/file" "$WORK/vol/dir" | tr '\n' ' ' | sed 's/ $//')" \
  "modes of a file and a directory made by the guest over 9p"
pass "files the guest creates over 9p keep the guest's modes"

# rootless: QEMU runs as a user of its own, which owns nothing of the
# sandbox's: the sockets, console and share it uses are passed to it open.
virtc --rootless sandbox run --id rl --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
sb=$ROOT/sbs/rl
qemu=$(pgrep -f -- "-name sandbox-rl,")
uid=$(awk '/^Uid:/ {print $2}' "/proc/$qemu/status")
gid=$(awk '/^Gid:/ {print $2}' "/proc/$qemu/status")
[ "$uid" != 0 ] && [ "$gid" != 0 ] || fail "rootless QEMU runs as uid $uid gid $gid"
assert_eq "$uid $uid $uid $uid" "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$qemu/status")" "QEMU's real, effective, saved and fs uid"
assert_eq "" "$(awk '/^Groups:/ {print $2}' "/proc/$qemu/status")" "QEMU's supplementary groups (no KVM here)"
assert_eq 0000000000000000 "$(awk '/^CapEff:/ {print $2}' "/proc/$qemu/status")" "QEMU's effective capabilities"
assert_eq 2 "$(seccomp "$qemu")" "rootless QEMU's seccomp mode"
assert_eq 700 "$(stat -c %a "$sb")" "the rootless sandbox's state directory"
[ -z "$(find "$sb" -user "$uid")" ] || fail "QEMU's user owns: $(find "$sb" -user "$uid")"
open=$(find "$sb" -mindepth 1 -maxdepth 1 ! -name shared -perm /077 -printf '%m %p\n')
[ -z "$open" ] || fail "group or others may use: $open"
assert_eq "in the VM" "$(virtc container enter --sandbox rl --id main -- echo in the VM)" "an exec in the rootless sandbox"
assert_eq hello "$(virtc container enter --sandbox rl --id main -- sh -c 'echo hello >/tmp/f; cat /tmp/f')" \
  "a file written and read back in the rootless sandbox"
grep -q "program=vc-agent" "$sb/console.log" || fail "the guest console did not reach $sb/console.log"
virtc sandbox stop --id rl
virtc sandbox delete --id rl
pgrep -f -- "-name sandbox-rl," >/dev/null && fail "rootless QEMU left running"
# Its NIC (a tap passed open, without vhost-net): a peer reaches the guest.
pod=vc-rl-pod-$$ peer=vc-rl-peer-$$
before_cleanup() { ip netns del "$pod" 2>/dev/null || true; ip netns del "$peer" 2>/dev/null || true; }
ip netns add "$pod"
ip netns add "$peer"
ip link add eth0 netns "$pod" type veth peer name p0 netns "$peer"
ip -n "$pod" addr add 10.98.0.2/24 dev eth0
ip -n "$pod" link set eth0 up
ip -n "$peer" addr add 10.98.0.1/24 dev p0
ip -n "$peer" link set p0 up
virtc --rootless sandbox run --id rln --netns "/var/run/netns/$pod" --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
ip netns exec "$peer" busybox ping -c 1 -W 5 10.98.0.2 >/dev/null || fail "the rootless sandbox's guest does not answer a ping"
virtc container enter --sandbox rln --id main -- ping -c 1 -W 5 10.98.0.1 >/dev/null || fail "the rootless guest cannot ping its peer"
virtc sandbox delete --id rln --force
before_cleanup
expect_error 'rootless = true needs shared_fs = "virtio-fs"' virtc --rootless --shared-fs virtio-9p run --rootfs "$ROOTFS" -- true
pass "rootless: QEMU runs as uid $uid with no capabilities and owns nothing of the sandbox; execs and its NIC work; 9p refused"

assert_clean
pass "nothing left behind"

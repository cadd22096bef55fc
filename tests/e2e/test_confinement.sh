# The host side's confinement: QEMU under its own seccomp filter, virtiofsd
# sandboxed into the sandbox's share, the state directory and every socket
# and log in it reachable by their owner only.
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

assert_clean
pass "nothing left behind"

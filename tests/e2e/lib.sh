# Shared helpers of the end-to-end tests. Each test sources this file; it
# gets a private state root ($ROOT) and a busybox rootfs ($ROOTFS), and at exit
# checks that nothing of its sandboxes is left behind.
set -euo pipefail

: "${VC_BUILD:?VC_BUILD must point at the build directory}"
: "${VC_SOURCE:?VC_SOURCE must point at the source directory}"
VIRTC_BIN="$VC_BUILD/bin/virtc"
# The guest kernel the tests boot: the lean one unless VC_GUEST_KERNEL names
# another (Debian's: $VC_BUILD/guest/debian/vmlinux), its initramfs beside it.
GUEST_KERNEL_PATH=${VC_GUEST_KERNEL:-$VC_BUILD/guest/vmlinux}
GUEST_DIR=$(dirname "$GUEST_KERNEL_PATH")
for need in "$VIRTC_BIN" "$VC_BUILD/bin/vc-supervisor" "$GUEST_KERNEL_PATH" "$GUEST_DIR/initramfs.cpio"; do
  [ -e "$need" ] || { echo "FAIL: missing $need: build the project first (scripts/build.sh)"; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "FAIL: qemu-system-x86_64 missing: run scripts/setup.sh"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FAIL: the end-to-end tests need root (mounts, VMs)"; exit 1; }

WORK=$(mktemp -d /tmp/vc-e2e.XXXXXX)
ROOT="$WORK/root"
ROOTFS="$WORK/rootfs"
bash "$VC_SOURCE/scripts/make-rootfs.sh" "$ROOTFS"
GUEST_KERNEL=$(cat "$GUEST_DIR/kernel-release")
# The [hypervisor] table of the tests' configuration files.
HYPERVISOR_TOML=$(printf '[hypervisor]\nkernel = "%s"' "$GUEST_KERNEL_PATH")

# VC_SHARED_FS: the share the tests' sandboxes use unless a test names one
# (test_share_9p runs the core tests on virtio-9p).
virtc() { "$VIRTC_BIN" --root "$ROOT" --kernel "$GUEST_KERNEL_PATH" ${VC_SHARED_FS:+--shared-fs "$VC_SHARED_FS"} "$@"; }

# A container's shell command that waits for the terminal size the engine or
# ctr sets after the start (under runc too the process can start on a 0x0
# terminal), then prints "size ROWS COLS". Only digits count: busybox's
# `stty size` on a terminal without a size prints an error and exits 0.
WAIT_SIZE='for i in $(seq 200); do s=$(stty size 2>/dev/null); case "$s" in [1-9]*" "[1-9]*) break ;; esac; sleep 0.1; done; echo "size $s"'

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

assert_eq() {  # expected actual what
  [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}
assert_contains() {  # haystack needle what
  case "$1" in *"$2"*) ;; *) fail "$3: '$2' not in: $1" ;; esac
}

# Runs a command that must fail; checks its exit status is nonzero and its
# stderr contains the expected text.
expect_error() {  # expected-text command...
  local want=$1; shift
  local out rc=0
  out=$("$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" -ne 0 ] || fail "'$*' succeeded, expected an error containing '$want'"
  assert_contains "$out" "$want" "error of '$*'"
}

# Processes, mounts and sockets that mention our private root.
leftovers() {
  { pgrep -af -- "$ROOT" || true; } | grep -v -e pgrep -e "$$" || true
  grep -F "$ROOT" /proc/self/mountinfo || true
}

assert_clean() {
  local left
  left=$(leftovers)
  [ -z "$left" ] || fail "left behind: $left"
  if [ -d "$ROOT/sbs" ]; then
    [ -z "$(ls -A "$ROOT/sbs")" ] || fail "state left behind: $(ls -AR "$ROOT/sbs" | head -40)"
  fi
}

# A test may define before_cleanup (called with the exit status) to stop
# what it started itself before the sandboxes are removed.
cleanup() {
  local rc=$?
  if declare -F before_cleanup >/dev/null; then before_cleanup "$rc" || true; fi
  if [ -d "$ROOT/sbs" ]; then
    for sb in "$ROOT"/sbs/*/; do
      [ -d "$sb" ] || continue
      id=$(basename "$sb")
      "$VIRTC_BIN" --root "$ROOT" sandbox stop --id "$id" >/dev/null 2>&1 || true
      "$VIRTC_BIN" --root "$ROOT" sandbox delete --id "$id" >/dev/null 2>&1 || true
    done
  fi
  pkill -9 -f -- "$ROOT" 2>/dev/null || true
  grep -F "$ROOT" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

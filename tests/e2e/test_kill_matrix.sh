# Kill matrix: kill -9 of each host process of a sandbox (QEMU, virtiofsd,
# the supervisor) at several points of its life, of a virtc call in flight
# (a template restore among them), and the sandbox's state removed under
# it. Each case: the failure shows in `sandbox status` within 5 s (a
# container in a dead VM exits 137), a later delete succeeds, nothing of the
# sandbox is left (processes, mounts, state), and a new sandbox then starts.
# Prints a table of every case.
source "$(dirname "$0")/lib.sh"

results=()
record() { results+=("$(printf '%-44s %s' "$1" "$2")"); }

# Polls `sandbox status` until it says STATE; the milliseconds it took, or fails.
wait_state() {  # ID STATE
  local t0 now
  t0=$(date +%s%N)
  for _ in $(seq 50); do
    if virtc sandbox status --id "$1" --json 2>/dev/null | grep -q "\"state\": \"$2\""; then
      now=$(date +%s%N); echo $(( (now - t0) / 1000000 )); return 0
    fi
    sleep 0.1
  done
  fail "sandbox $1 is not $2 within 5 s: $(virtc sandbox status --id "$1" --json 2>&1 | head -5)"
}
# Nothing of sandbox ID on the host: processes, mounts, state.
assert_gone() {  # ID
  local left
  left=$({ pgrep -af -- "$ROOT/sbs/$1/" || true; } | grep -v pgrep || true)
  left+=$(grep -F "$ROOT/sbs/$1/" /proc/self/mountinfo || true)
  [ -z "$left" ] || fail "left behind by $1: $left"
  [ ! -e "$ROOT/sbs/$1" ] || fail "state of $1 left: $(ls -A "$ROOT/sbs/$1")"
}
start() { virtc sandbox run --id "$1" --rootfs "$ROOTFS" -- sleep 1000 >/dev/null; }
qemu_of() { pgrep -f -- "-name sandbox-$1,"; }
supervisor_of() { pgrep -f -- "vc-supervisor --root $ROOT --sandbox $1 --status-fd"; }
virtiofsd_of() { pgrep -f -- "virtiofsd --socket-path=$ROOT/sbs/$1/" | head -1; }

# A process of a running sandbox dies: reported stopped, main exited 137.
dies_while_running() {  # ID WHAT PID-FUNCTION
  start "$1"
  kill -9 "$($3 "$1")"
  local ms; ms=$(wait_state "$1" stopped)
  assert_contains "$(virtc sandbox status --id "$1" --json)" '"exit_status": 137' "main's exit after $2 was killed"
  virtc sandbox delete --id "$1"
  assert_gone "$1"
  record "$2 killed, container running" "ok: stopped after $ms ms, exit 137, deleted"
}
dies_while_running k1 QEMU qemu_of
dies_while_running k2 virtiofsd virtiofsd_of
dies_while_running k3 vc-supervisor supervisor_of

start k4
virtc sandbox pause --id k4
kill -9 "$(qemu_of k4)"
ms=$(wait_state k4 stopped)
virtc sandbox delete --id k4
assert_gone k4
record "QEMU killed, sandbox paused" "ok: stopped after $ms ms, deleted"

start k5
virtc container enter --sandbox k5 --id main -- sleep 1000 >/dev/null 2>&1 &
enter=$!
sleep 1.5  # the exec runs (it takes ~70 ms under TCG)
kill -0 "$enter" || fail "the exec ended before the VM was killed"
kill -9 "$(qemu_of k5)"
t0=$(date +%s%N)
rc=0; wait "$enter" || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" -ne 0 ] || fail "an exec in a killed VM exited 0"
[ "$ms" -lt 5000 ] || fail "an exec in a killed VM returned after $ms ms"
wait_state k5 stopped >/dev/null
virtc sandbox delete --id k5
assert_gone k5
record "QEMU killed during an exec" "ok: exec failed (rc $rc) after $ms ms, deleted"

# A virtc call killed in flight: the sandbox it left is removed by delete
# --force, whatever state it reached.
killed_call() {  # ID WHAT DELAY COMMAND...
  local id=$1 what=$2 delay=$3; shift 3
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local state
  state=$({ virtc sandbox status --id "$id" --json 2>/dev/null || true; } | sed -n 's/^  "state": "\(.*\)",*$/\1/p' | head -1)
  # Gone already: the call finished its work before it was killed.
  [ -z "$state" ] || virtc sandbox delete --id "$id" --force
  assert_gone "$id"
  if [ -n "$state" ]; then record "$what" "ok: left $state, delete --force cleaned up"
  else record "$what" "ok: the call had finished its work"; fi
}
killed_call k6 "virtc killed during VM boot (sandbox run)" 0.6 \
  virtc sandbox run --id k6 --rootfs "$ROOTFS" -- sleep 1000
virtc sandbox create --id k7 --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
killed_call k7 "virtc killed during sandbox start" 0.3 virtc sandbox start --id k7
start k8
killed_call k8 "virtc killed during container create" 0.1 \
  virtc container create --sandbox k8 --id second --rootfs "$ROOTFS" -- sleep 1000
start k9
killed_call k9 "virtc killed during sandbox stop" 0.1 virtc sandbox stop --id k9
start k10
virtc sandbox stop --id k10
killed_call k10 "virtc killed during sandbox delete" 0.05 virtc sandbox delete --id k10

# A call killed while its sandbox continues from the VM template (which
# needs the lean kernel's 9p): the template's lock dies with the call, and
# the template stays usable.
if [ "$GUEST_DIR" != "$VC_BUILD/guest/debian" ]; then
  virtc factory init >/dev/null
  killed_call k11 "virtc killed during a template restore" 0.2 \
    virtc --template sandbox run --id k11 --rootfs "$ROOTFS" -- sleep 1000
  assert_eq warm "$(virtc --template run --rootfs "$ROOTFS" -- echo warm)" "a templated sandbox after the killed restore"
  virtc factory destroy
  record "the template after that" "ok: a sandbox restored from it ran"
else
  record "virtc killed during a template restore" "not run: Debian's cloud kernel has no 9p for templates"
fi

# The caller died and its state was cleaned away under a running sandbox
# (its record here; a recursive delete would walk into the container's
# root, bound under the sandbox's directory): nothing can reach the sandbox
# any more, so its supervisor stops it and takes its mounts along.
start k12
sup=$(supervisor_of k12)
rm "$ROOT/sbs/k12/state.json"
t0=$(date +%s%N)
for _ in $(seq 50); do kill -0 "$sup" 2>/dev/null || break; sleep 0.1; done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
! kill -0 "$sup" 2>/dev/null || fail "the supervisor of k12 outlived its removed state by 5 s"
! grep -qF "$ROOT/sbs/k12/" /proc/self/mountinfo || fail "mounts of k12 left: $(grep -F "$ROOT/sbs/k12/" /proc/self/mountinfo)"
rm -r "$ROOT/sbs/k12"
assert_gone k12
record "state removed under a running sandbox" "ok: the supervisor stopped it after $ms ms"

assert_eq "after" "$(virtc run --rootfs "$ROOTFS" -- echo after)" "a sandbox started after the matrix"
record "a new sandbox after all of the above" "ok"

echo "kill matrix:"
printf '  %s\n' "${results[@]}"
assert_clean
pass "kill matrix: ${#results[@]} cases, each reported, deleted and leaving nothing"

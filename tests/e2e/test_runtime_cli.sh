#!/usr/bin/env bash
# vc-runtime, the runc-compatible command line: the lifecycle a caller such as
# conmon drives (create with a pid file, start, state, exec, kill, delete),
# the monitor process that stands for the container, and bad input.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"
source "$(dirname "$0")/runtime_lib.sh"

REAPER=(/usr/bin/python3 "$VC_SOURCE/tests/tools/subreaper.py")

before_cleanup() {
  local id
  for id in $(vcr list -q 2>/dev/null); do vcr delete -f "$id" >/dev/null 2>&1 || true; done
}

status_of() { vcr state "$1" | jq -r .status; }

# The monitor stands for the container: the caller (a subreaper) reaps it
# with the container's exit status; its stdio is the container's.
b=$(new_bundle exit)
spec_script "$b" 'echo out; echo err >&2; read line; echo "read $line"; exit 3'
echo hello | "${REAPER[@]}" "$WORK/exit.pid" "$WORK/exit.status" -- "$VCR" create -b "$b" --pid-file "$WORK/exit.pid" c1 \
  --then "$VCR" start c1 2>"$WORK/exit.err" >"$WORK/exit.out"
assert_eq 3 "$(cat "$WORK/exit.status")" "the monitor's exit status"
assert_eq "out
read hello" "$(cat "$WORK/exit.out")" "the container's stdout through the monitor"
assert_eq err "$(cat "$WORK/exit.err")" "the container's stderr through the monitor"
assert_eq stopped "$(status_of c1)" "state after the exit"
vcr delete c1
pass "create/start: the monitor relays stdio and exits with the container's status"

# The same bundle under runc and under us: the same output and status.
spec_script "$b" 'echo same; exit 5'
runc_rc=0; runc_out=$(runc --root "$RUNC_ROOT" run -b "$b" r1 </dev/null 2>&1) || runc_rc=$?
vc_rc=0; vc_out=$(vcr run -b "$b" r1 </dev/null 2>&1) || vc_rc=$?
assert_eq "$runc_out/$runc_rc" "$vc_out/$vc_rc" "run in the foreground: vc-runtime vs runc"
pass "run: output and exit status as runc's"

# Detached, then state, exec, ps, pause, kill, delete.
spec_script "$b" 'echo started; exec sleep 600'
vcr run -d -b "$b" --pid-file "$WORK/d1.pid" d1 </dev/null >/dev/null 2>&1
state=$(vcr state d1)
assert_eq running "$(jq -r .status <<<"$state")" "state of a running container"
assert_eq "$(cat "$WORK/d1.pid")" "$(jq -r .pid <<<"$state")" "state's pid is the monitor's"
assert_eq "$b" "$(jq -r .bundle <<<"$state")" "state's bundle"
rc=0; out=$(vcr exec -e GREETING=hi d1 sh -c 'echo "$GREETING from exec"; exit 4') || rc=$?
assert_eq "hi from exec/4" "$out/$rc" "exec output and status"
assert_eq "[$(cat "$WORK/d1.pid")]" "$(vcr ps --format json d1)" "ps's host pids: the monitor"
[ "$(vcr ps d1 | tail -n +2 | wc -l)" -ge 1 ] || fail "ps lists no guest process"
vcr pause d1
assert_eq paused "$(status_of d1)" "state after pause"
vcr resume d1
assert_eq running "$(status_of d1)" "state after resume"
expect_error "not stopped" vcr delete d1
expect_error 'unknown signal "BOGUS"' vcr kill d1 BOGUS
vcr kill d1 KILL
for _ in $(seq 50); do [ "$(status_of d1)" = stopped ] && break; sleep 0.2; done
assert_eq stopped "$(status_of d1)" "state after kill"
assert_eq 0 "$(vcr state d1 | jq .pid)" "a stopped container has no pid"
expect_error "stopped" vcr exec d1 true
vcr delete d1
expect_error "does not exist" vcr state d1
vcr delete --force d1
pass "run -d, state, exec, ps, pause/resume, kill, delete"

# linux.cgroupsPath: the VM's host processes (supervisor, QEMU, virtiofsd)
# live in that cgroup, as runc's container does; delete removes it.
CG="/vc-e2e-$(basename "$WORK")"
if [ -d /sys/fs/cgroup/memory ] && [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
  CG_DIR=/sys/fs/cgroup/memory$CG
else
  CG_DIR=/sys/fs/cgroup$CG
fi
spec_set "$b" '.linux.cgroupsPath = $cg' --arg cg "$CG"
spec_script "$b" 'exec sleep 600'
vcr run -d -b "$b" g1 </dev/null >/dev/null 2>&1
[ -d "$CG_DIR" ] || fail "no cgroup $CG_DIR"
for pid in $(pgrep -f -- "vc-supervisor --root $ROOT --sandbox g1"; pgrep -f -- "$ROOT/sbs/g1"); do
  grep -qx "$pid" "$CG_DIR/cgroup.procs" || fail "process $pid ($(cat /proc/$pid/comm)) is not in $CG_DIR"
done
[ "$(grep -c . "$CG_DIR/cgroup.procs")" -ge 3 ] || fail "the VM's processes are not in $CG_DIR: $(cat "$CG_DIR/cgroup.procs")"
vcr delete -f g1
[ ! -e "$CG_DIR" ] || fail "cgroup $CG_DIR left behind"
spec_set "$b" 'del(.linux.cgroupsPath)'
pass "linux.cgroupsPath holds the VM's host processes; delete removes it"

# A pod (CRI annotations): the sandbox container's hostname is the VM's, so a
# member without a UTS namespace of its own sees the pod's hostname.
spec_set "$b" '.hostname = "pod-host" | .annotations = {"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri.sandbox-id": "p1"}'
spec_script "$b" 'exec sleep 600'
vcr run -d -b "$b" p1 </dev/null >/dev/null 2>&1
m=$(new_bundle member)
spec_set "$m" '.linux.namespaces |= map(select(.type != "uts")) | .annotations = {"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "p1"}'
spec_script "$m" 'hostname'
assert_eq pod-host "$(vcr run -b "$m" m1 </dev/null)" "a pod member's hostname"
vcr delete -f p1
spec_set "$b" 'del(.hostname) | del(.annotations)'
pass "a pod's VM has the pod's hostname"

# As runc, a created container can be killed before its start: it stops.
vcr create -b "$b" k1 </dev/null >/dev/null 2>&1
vcr kill k1 KILL
for _ in $(seq 50); do [ "$(status_of k1)" = stopped ] && break; sleep 0.2; done
assert_eq stopped "$(status_of k1)" "state of a created container after kill"
expect_error "is stopped: cannot start it" vcr start k1
vcr delete k1
pass "kill of a created container"

# Bad input: clear errors, nothing left behind.
expect_error "unknown command or argument 'frobnicate'" vcr frobnicate
expect_error "not expected" vcr state a1 --bogus-flag
expect_error "config.json" vcr create -b "$WORK/nonexistent" x1
mkdir -p "$WORK/bad" && echo '{not json' >"$WORK/bad/config.json"
expect_error "config.json" vcr create -b "$WORK/bad" x1
expect_error "does not exist" vcr start nosuch
expect_error "must start with a letter" vcr create -b "$b" -- -bad
spec_set "$b" '.process.terminal = true'
expect_error "console-socket" vcr create -b "$b" x1
expect_error "not a unix socket" vcr create -b "$b" --console-socket "$b/config.json" x1
spec_set "$b" '.process.terminal = false'
vcr create -b "$b" x1 </dev/null >/dev/null 2>&1
expect_error "already exists" vcr create -b "$b" x1
vcr delete x1
assert_eq "" "$(vcr list -q)" "containers left"
pass "bad input is refused with a message"

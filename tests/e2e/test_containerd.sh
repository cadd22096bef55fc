# containerd runs containers in VMs through containerd-shim-vc-v2: a private
# containerd (root, state and sockets under $WORK), a busybox image built
# locally and imported, and `ctr` driving the runtime io.containerd.vc.v2.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd_lib.sh"

command -v script >/dev/null || fail "script missing: run scripts/setup.sh (package bsdutils)"
before_cleanup() {
  ctd_log_tail "$1" 40
  [ -z "${EVENTS_PID:-}" ] || kill "$EVENTS_PID" 2>/dev/null || true
  ctd_stop
}
ctd_up
c() { ctd_ctr "$@"; }
# Every event containerd receives, as `ctr events` prints them.
c events >"$WORK/events" 2>&1 &
EVENTS_PID=$!

# Waits until task $1 is STOPPED (or gone); fails after $2 tenths of a second.
wait_stopped() {
  for _ in $(seq "${2:-100}"); do
    c task ls | grep -w "$1" | grep -q STOPPED && return 0
    sleep 0.1
  done
  fail "task $1 did not stop: $(c task ls | grep -w "$1")"
}
# Kills task $1, waits for it, deletes the task and the container.
remove_task() {
  c task kill -s KILL "$1"
  wait_stopped "$1"
  c task delete "$1" >/dev/null
  c container delete "$1"
}

RUN=(run --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG")

# Nothing of ours may outlive a task: shims, VMs, virtiofsd, mounts, sockets.
assert_no_task_left() {
  local left
  # A shim exits a moment after containerd's Shutdown call, not during it.
  local shim="containerd-shim-vc-v2 .*-address $CTD_SOCK"
  for _ in $(seq 50); do pgrep -f -- "$shim" >/dev/null || break; sleep 0.1; done
  left=$({ pgrep -af -- "$shim" || true; } | grep -v pgrep || true)
  [ -z "$left" ] || fail "shim left behind: $left"
  left=$(grep -F "$CTD_DIR/state" /proc/self/mountinfo || true)
  [ -z "$left" ] || fail "bundle mount left behind: $left"
  assert_clean
}

out=$(c "${RUN[@]}" --rm "$IMAGE" t1 uname -r </dev/null)
assert_eq "$GUEST_KERNEL" "$out" "kernel release seen through containerd"
pass "ctr run: uname -r in the container shows the guest kernel ($out)"
assert_no_task_left
topics=$(grep -F '"container_id":"t1"' "$WORK/events" | awk '{print $6}' | grep '^/tasks/' | tr '\n' ' ')
assert_eq "/tasks/create /tasks/start /tasks/exit /tasks/delete " "$topics" "events of t1, in order"
pass "containerd got create, start, exit and delete events in that order"

line=$(grep -a "start timeline" "$CTD_LOG" | grep -F "sandbox=t1" | head -1 || true)
[ -n "$line" ] || fail "no start timeline of t1 in the shim's log ($CTD_LOG)"
for phase in supervisor share-fs vmm guest-kernel agent-start agent-ready sandbox created:t1 started:t1; do
  assert_contains "$line" " $phase=" "the shim's start timeline"
done
pass "the shim logs the start timeline ($(sed 's/.*start timeline[^:]*: //; s/"//g' <<<"$line" | cut -c1-120))"
# The guest's own log lines (the agent's, through the sandbox's supervisor)
# are in containerd's log too, with the sandbox's id.
grep -aqE '^time=.* level=info msg="guest: serving on [^"]+" sandbox=t1$' "$CTD_LOG" ||
  fail "no guest log line of t1 in containerd's log ($CTD_LOG): $(grep -a 'guest:' "$CTD_LOG" | tail -3)"
pass "the guest's log lines reach containerd's log through the shim"

rc=0
c "${RUN[@]}" --rm "$IMAGE" t2 sh -c 'echo out; echo err >&2; exit 7' >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
assert_eq 7 "$rc" "ctr run exit code"
assert_eq out "$(cat "$WORK/out")" "stdout through containerd"
assert_eq err "$(cat "$WORK/err")" "stderr through containerd"
pass "the workload's exit code is ctr run's; stdout and stderr are separate"

out=$(echo hello-stdin | c "${RUN[@]}" --rm "$IMAGE" t3 sh -c 'read l; echo "got $l"')
assert_eq "got hello-stdin" "$out" "stdin through containerd"
pass "stdin reaches the workload and its end closes it"

# A detached task: exec, ps, metrics, pause/resume, kill.
c "${RUN[@]}" -d "$IMAGE" t4 sh -c 'trap "echo bye; exit 3" TERM; while true; do sleep 1; done' </dev/null
out=$(c task exec --exec-id e1 t4 sh -c 'echo exec-out; exit 5' </dev/null) && rc=0 || rc=$?
assert_eq exec-out "$out" "ctr task exec output"
assert_eq 5 "$rc" "ctr task exec exit code"
pass "ctr task exec runs a second process with its own output and exit code"
ps_out=$(c task ps t4)
[ "$(echo "$ps_out" | tail -n +2 | wc -l)" -ge 2 ] || fail "ctr task ps lists too few processes: $ps_out"
pass "ctr task ps lists the container's guest processes"
metrics=$(c task metrics t4)
assert_contains "$metrics" "memory.usage" "ctr task metrics"
assert_contains "$metrics" "pids.current" "ctr task metrics"
pass "ctr task metrics answers with cgroup v2 figures"
c task pause t4
assert_contains "$(c task ls | grep -w t4)" PAUSED "task state after pause"
c task resume t4
assert_contains "$(c task ls | grep -w t4)" RUNNING "task state after resume"
pass "ctr task pause/resume change the task's state"
c task kill -s TERM t4
wait_stopped t4
c task delete t4 >/dev/null
c container delete t4
pass "ctr task kill delivers the signal to the workload (its TERM trap ran)"
assert_no_task_left

# Exit status through ctr run for a signal the workload handles.
c "${RUN[@]}" --rm "$IMAGE" t5 sh -c 'trap "exit 3" TERM; while true; do sleep 1; done' </dev/null &
run_pid=$!
for _ in $(seq 300); do c task ls 2>/dev/null | grep -w t5 | grep -q RUNNING && break; sleep 0.2; done
sleep 1
c task kill -s TERM t5
rc=0; wait "$run_pid" || rc=$?
assert_eq 3 "$rc" "exit code after ctr task kill -s TERM"
pass "kill + wait: ctr run returns the exit code of the signalled workload"
assert_no_task_left

# --tty: a terminal in the guest, sized like ctr's (ctr sets the size after
# the start: the container waits for it). `script` gives ctr a
# terminal; its input stays open (as a user's would): at the end of its input
# script sends the terminal an end-of-file character.
exec {keep_open}< <(exec sleep 120)
keeper=$!
out=$(script -qec "stty rows 33 cols 77; ctr --address $CTD_SOCK ${RUN[*]} --rm -t $IMAGE t6 sh -c 'test -t 0 && echo is-a-tty; $WAIT_SIZE'" /dev/null <&"$keep_open" | tr -d '\r')
exec {keep_open}<&-
kill "$keeper" 2>/dev/null || true
assert_contains "$out" "is-a-tty" "terminal mode"
assert_contains "$out" "size 33 77" "terminal size"
pass "--tty gives the workload a terminal of ctr's size"
assert_no_task_left

# A pod: the sandbox container and a member share one VM.
CRI_TYPE=io.kubernetes.cri.container-type
CRI_SANDBOX=io.kubernetes.cri.sandbox-id
c "${RUN[@]}" -d --annotation "$CRI_TYPE=sandbox" --annotation "$CRI_SANDBOX=pod1" "$IMAGE" pod1 sleep 1000 </dev/null
c "${RUN[@]}" -d --annotation "$CRI_TYPE=container" --annotation "$CRI_SANDBOX=pod1" "$IMAGE" app1 sleep 1000 </dev/null
vms=$(pgrep -fc -- "qemu-system.*$ROOT" || true)
assert_eq 1 "$vms" "QEMU processes for a pod of two containers"
shims=$(pgrep -fc -- "containerd-shim-vc-v2.*-address $CTD_SOCK" || true)
assert_eq 1 "$shims" "shim processes for a pod of two containers"
out=$(c task exec --exec-id e2 app1 cat /proc/1/cmdline </dev/null | tr '\0' ' ')
assert_eq "sleep 1000 " "$out" "the member container's own PID 1"
pass "two containers with CRI annotations share one VM and one shim"
remove_task app1
assert_eq 1 "$(pgrep -fc -- "qemu-system.*$ROOT" || true)" "the VM lives on while its sandbox container does"
remove_task pod1
pass "deleting the pod's containers removes its VM"
assert_no_task_left

# The VM dies under a running task: containerd sees the task exit.
c "${RUN[@]}" -d "$IMAGE" t7 sleep 1000 </dev/null
pkill -9 -f -- "qemu-system.*$ROOT/sbs/t7/" || fail "no QEMU process for t7"
wait_stopped t7 300
timeout 60 ctr --address "$CTD_SOCK" task delete t7 >/dev/null
c container delete t7
pass "killing QEMU under a running task makes the task exit; delete cleans up"
assert_no_task_left

# virtiofsd or the supervisor dies under a running task: the task exits,
# containerd hears it, and delete cleans up.
for what in virtiofsd vc-supervisor; do
  id=t7-$what
  c "${RUN[@]}" -d "$IMAGE" "$id" sleep 1000 </dev/null
  case $what in
    virtiofsd) pkill -9 -f -- "virtiofsd --socket-path=$ROOT/sbs/$id/" || fail "no virtiofsd for $id" ;;
    vc-supervisor) pkill -9 -f -- "vc-supervisor --root $ROOT --sandbox $id --status-fd" || fail "no supervisor for $id" ;;
  esac
  wait_stopped "$id" 300
  c task ls | grep -w "$id" | grep -q STOPPED || fail "$id is not STOPPED after $what was killed"
  timeout 60 ctr --address "$CTD_SOCK" task delete "$id" >/dev/null
  c container delete "$id"
  assert_no_task_left
done
pass "killing virtiofsd or the supervisor under a running task makes the task exit; delete cleans up"

# containerd dies under a running task: the shim keeps the task (shims
# outlive containerd, as runc's do), and a containerd started again finds it
# running and drives it.
c "${RUN[@]}" -d "$IMAGE" t15 sleep 1000 </dev/null
kill -9 "$CTD_PID"
wait "$CTD_PID" 2>/dev/null || true
sleep 2
pgrep -f -- "containerd-shim-vc-v2 .*-address $CTD_SOCK .*-id t15" >/dev/null || fail "t15's shim exited with containerd"
pgrep -f -- "qemu-system.*$ROOT/sbs/t15/" >/dev/null || fail "t15's VM exited with containerd"
_ctd_run "$VC_BUILD/bin" || fail "containerd did not start again"
# `ctr events` ended with the containerd it watched.
wait "$EVENTS_PID" 2>/dev/null || true
c events >>"$WORK/events" 2>&1 &
EVENTS_PID=$!
c task ls | grep -w t15 | grep -q RUNNING || fail "t15 is not RUNNING for the new containerd: $(c task ls)"
assert_eq back "$(c task exec --exec-id again t15 echo back)" "an exec through the new containerd"
remove_task t15
pass "containerd killed and started again: the shim kept the task, which the new containerd drives"
assert_no_task_left

# The shim dies under a running task: containerd runs `containerd-shim-vc-v2
# delete`, which must remove the VM, the mounts and the socket.
c "${RUN[@]}" -d "$IMAGE" t9 sleep 1000 </dev/null
sock=$(cat "$CTD_DIR/state/io.containerd.runtime.v2.task/default/t9/address")
[ -S "${sock#unix://}" ] || fail "shim socket ${sock#unix://} missing while t9 runs"
pkill -9 -f -- "containerd-shim-vc-v2 .*-address $CTD_SOCK .*-id t9" || fail "no shim for t9"
# containerd runs the delete action in the background; wait for its effects.
for _ in $(seq 300); do
  [ -e "${sock#unix://}" ] || pgrep -f -- "$ROOT/sbs/t9/" >/dev/null || break
  sleep 0.1
done
[ ! -e "${sock#unix://}" ] || fail "the dead shim's socket was left behind"
c task ls | grep -w t9 | grep -q RUNNING && fail "t9 still RUNNING after its shim died"
c container delete t9
pass "a dead shim's task ends and the delete action cleans up after it"
assert_no_task_left

# SIGTERM to a shim: it stops its VM and releases its mounts before it goes.
c "${RUN[@]}" -d "$IMAGE" t14 sleep 1000 </dev/null
bundle="$CTD_DIR/state/io.containerd.runtime.v2.task/default/t14"
grep -qF "$bundle/rootfs" /proc/self/mountinfo || fail "t14's rootfs is not mounted while it runs"
pkill -TERM -f -- "containerd-shim-vc-v2 .*-address $CTD_SOCK .*-id t14" || fail "no shim for t14"
for _ in $(seq 300); do
  pgrep -f -- "containerd-shim-vc-v2 .*-id t14" >/dev/null || pgrep -f -- "$ROOT/sbs/t14/" >/dev/null ||
    grep -qF "$bundle/rootfs" /proc/self/mountinfo || break
  sleep 0.1
done
pgrep -f -- "$ROOT/sbs/t14/" >/dev/null && fail "t14's VM outlived its shim"
# The shim itself did it (containerd's later delete call would clean up too).
grep -q "signal 15: stopping every sandbox of this shim" "$CTD_LOG" ||
  fail "the shim did not handle SIGTERM (no log line in $CTD_LOG)"
c container delete t14
pass "a shim told to stop (SIGTERM) takes its VM and mounts along"
assert_no_task_left

# The OCI spec's resource limits reach the guest cgroup.
c "${RUN[@]}" -d --memory-limit 67108864 "$IMAGE" t10 sleep 1000 </dev/null
metrics=$(c task metrics t10)
echo "$metrics" | grep -Eq 'memory\.usage_limit[[:space:]]+67108864' || fail "memory limit not applied: $metrics"
remove_task t10
pass "--memory-limit becomes the container's memory.max in the guest"
assert_no_task_left

# An OOM kill in the guest becomes a /tasks/oom event.
c "${RUN[@]}" --rm --memory-limit 33554432 "$IMAGE" t11 \
  sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived' </dev/null >/dev/null || true
for _ in $(seq 50); do grep -F /tasks/oom "$WORK/events" | grep -qF '"container_id":"t11"' && break; sleep 0.1; done
grep -F /tasks/oom "$WORK/events" | grep -qF '"container_id":"t11"' ||
  fail "no /tasks/oom event for t11: $(grep -F t11 "$WORK/events")"
pass "an OOM kill in the container's cgroup reaches containerd as /tasks/oom"
assert_no_task_left

# A broken configuration fails the create with a message naming the problem,
# and leaves nothing behind.
printf '[hypervisor]\nmemroy_mib = 512\n' >"$WORK/typo.toml"
expect_error "unknown key hypervisor.memroy_mib" \
  c run --runtime io.containerd.vc.v2 --runtime-config-path "$WORK/typo.toml" --rm "$IMAGE" t12 true
c container delete t12 >/dev/null 2>&1 || true
printf '[hypervisor]\nkernel = "/nonexistent/vmlinuz"\n' >"$WORK/nokernel.toml"
expect_error "guest kernel not found at '/nonexistent/vmlinuz'" \
  c run --runtime io.containerd.vc.v2 --runtime-config-path "$WORK/nokernel.toml" --rm "$IMAGE" t13 true
c container delete t13 >/dev/null 2>&1 || true
pass "a broken runtime configuration is a clear error"
assert_no_task_left

# Checkpoint is refused clearly.
c "${RUN[@]}" -d "$IMAGE" t8 sleep 1000 </dev/null
expect_error "checkpoint is not supported" c task checkpoint t8
remove_task t8
pass "checkpoint answers with a clear 'not supported'"
assert_no_task_left
pass "nothing left behind"

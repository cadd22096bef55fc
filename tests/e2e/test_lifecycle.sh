# Sandbox and container lifecycle across separate virtc invocations: status,
# list, enter, kill, pause/resume, detached output, two sandboxes at once.
source "$(dirname "$0")/lib.sh"

id=$(virtc sandbox create --id sb1)
assert_eq sb1 "$id" "created id"
assert_eq ready "$(virtc sandbox status --id sb1 --json | sed -n 's/.*"state": "\(.*\)".*/\1/p' | head -1)" "state after create"
t0=$(date +%s%N)
virtc sandbox start --id sb1
start_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
status=$(virtc sandbox status --id sb1)
assert_contains "$status" "running" "status after start"
json=$(virtc sandbox status --id sb1 --json)
assert_contains "$json" "\"guest_kernel\": \"$GUEST_KERNEL\"" "guest kernel reported by the agent"
rss=$(sed -n 's/.*"agent_rss_bytes": \([0-9]*\).*/\1/p' <<<"$json")
[ "${rss:-0}" -gt 0 ] || fail "agent RSS not reported: $json"
pass "create + start in separate invocations; status sees it running (agent RSS $((rss / 1024)) KiB)"

# The start timeline: every phase, in order, none before the previous one,
# the last within the time the start call took.
timeline=$(virtc sandbox status --id sb1 --timeline)
assert_eq "config supervisor share-fs vmm guest-kernel agent-start agent-ready sandbox" \
  "$(awk 'NR > 1 {printf "%s%s", sep, $1; sep = " "}' <<<"$timeline")" "phases of the start"
awk -v wall="$start_ms" 'NR > 1 { if ($2 < last || $3 < 0) bad = 1; last = $2 }
  END { exit (bad || last <= 0 || last > wall) }' <<<"$timeline" ||
  fail "timeline out of order or beyond the ${start_ms} ms the start took: $timeline"
assert_contains "$(virtc sandbox status --id sb1 --json)" '"phase": "agent-ready"' "timeline in the JSON status"
pass "sandbox status --timeline: the phases of the ${start_ms} ms start ($(awk '$1 == "agent-ready" {print $2}' <<<"$timeline") ms to the agent)"

# A detached container that counts in a file of its rootfs (seen from the host
# through the shared directory) and reacts to SIGTERM. The count is renamed
# into place, so a pause never leaves the file half written.
virtc container create --sandbox sb1 --id c1 --rootfs "$ROOTFS" -- sh -c \
  'trap "echo got TERM; exit 3" TERM; echo started; i=0; while :; do i=$((i+1)); echo $i > /tmp/ticks.new; mv /tmp/ticks.new /tmp/ticks; sleep 0.2; done'
assert_contains "$(virtc container status --sandbox sb1 --id c1)" "ready" "container state after create"
virtc container start --sandbox sb1 --id c1
assert_contains "$(virtc container status --sandbox sb1 --id c1)" "running" "container state after start"
for _ in $(seq 50); do [ -s "$ROOTFS/tmp/ticks" ] && break; sleep 0.2; done
[ -s "$ROOTFS/tmp/ticks" ] || fail "the container never wrote /tmp/ticks"
pass "a detached container runs"

stats=$(virtc container stats --sandbox sb1 --id c1 --json)
assert_contains "$stats" '"pids":' "stats"
pids=$(sed -n 's/.*"pids": \([0-9]*\).*/\1/p' <<<"$stats")
[ "$pids" -ge 1 ] || fail "stats counted no process: $stats"
pass "stats report the container's cgroup ($pids processes)"

out=$(virtc container enter --sandbox sb1 --id c1 -- sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; hostname')
assert_contains "$out" "trap" "enter sees the container's init as PID 1"
assert_contains "$out" "sb1" "hostname in the container"
rc=0; virtc container enter --sandbox sb1 --id c1 -- sh -c 'exit 5' || rc=$?
assert_eq 5 "$rc" "exit code of an entered process"
out=$(echo piped | virtc container enter --sandbox sb1 --id c1 -- cat)
assert_eq piped "$out" "stdin of an entered process"
pass "enter runs further processes in the running container"

# status while an interactive enter holds a session open
(sleep 3 | virtc container enter --sandbox sb1 --id c1 -- cat >/dev/null) &
enter_pid=$!
sleep 1
assert_contains "$(virtc sandbox list)" "sb1" "list during an enter"
wait "$enter_pid"
pass "status/list work while another invocation is inside the container"

virtc sandbox pause --id sb1
assert_contains "$(virtc sandbox status --id sb1)" "paused" "state after pause"
a=$(cat "$ROOTFS/tmp/ticks"); sleep 1.5; b=$(cat "$ROOTFS/tmp/ticks")
assert_eq "$a" "$b" "ticks while paused"
virtc sandbox resume --id sb1
sleep 1.5; c=$(cat "$ROOTFS/tmp/ticks")
[ "$c" -gt "$b" ] || fail "ticks did not advance after resume ($b -> $c)"
pass "pause stops progress; resume restarts it ($b -> $c)"

virtc container pause --sandbox sb1 --id c1
a=$(cat "$ROOTFS/tmp/ticks"); sleep 1.5; b=$(cat "$ROOTFS/tmp/ticks")
assert_eq "$a" "$b" "ticks while the container is frozen"
virtc container resume --sandbox sb1 --id c1
pass "container pause/resume freezes and thaws it"

expect_error "stop it before deleting it" virtc container delete --sandbox sb1 --id c1
expect_error "stop it before deleting it" virtc sandbox delete --id sb1
pass "deleting running objects is refused"

virtc container kill --sandbox sb1 --id c1 --signal TERM
rc=0; out=$(virtc container attach --sandbox sb1 --id c1) || rc=$?
assert_eq 3 "$rc" "exit status read after the fact"
assert_contains "$out" "started" "detached output read afterwards"
assert_contains "$out" "got TERM" "the signal reached the container"
status=$(virtc container status --sandbox sb1 --id c1 --json)
assert_contains "$status" '"state": "stopped"' "container state after exit"
assert_contains "$status" '"exit_status": 3' "exit status in status"
pass "kill delivers the signal; output and exit status are readable afterwards"

virtc container delete --sandbox sb1 --id c1
expect_error "not found" virtc container status --sandbox sb1 --id c1

# A second sandbox alongside the first.
virtc sandbox run --id sb2 --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
list=$(virtc sandbox list)
assert_contains "$list" "sb1" "list"
assert_contains "$list" "sb2" "list"
assert_eq 2 "$(pgrep -fc -- "qemu-system-x86_64 -name sandbox-sb[12]" || true)" "QEMU processes of two sandboxes"
virtc container stop --sandbox sb2 --id main
status=$(virtc container status --sandbox sb2 --id main --json)
assert_contains "$status" '"state": "stopped"' "state after container stop"
assert_contains "$status" '"exit_status": 137' "exit status of a process killed by SIGKILL"
pass "two sandboxes run at once"

for sb in sb1 sb2; do
  virtc sandbox stop --id "$sb"
  assert_contains "$(virtc sandbox status --id "$sb")" "stopped" "state after stop"
  virtc sandbox delete --id "$sb"
done
assert_eq "" "$(virtc sandbox list | tail -n +2)" "list after delete"
assert_clean
pass "stop + delete leave no process, mount, socket or state directory"

# Leak audit: cycles of create, start, exec, stop and delete through virtc
# (in a pod network namespace, so taps and qdiscs are made and removed) and
# `ctr run --rm` cycles through the shim, with a census of the host before
# and after: nothing may grow. The suite runs a short version; the long one
# (about 15 minutes under TCG on 2 cores, over ctest's limit for a test):
#   VC_BUILD=$PWD/build VC_SOURCE=$PWD VC_LEAK_CYCLES=200 VC_LEAK_CTR_CYCLES=100 \
#     VC_LEAK_EXECS=100 bash tests/e2e/test_leaks.sh
# The whole test runs in a network namespace of its own (unshare -n).
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd_lib.sh"
cycles=${VC_LEAK_CYCLES:-8}
ctr_cycles=${VC_LEAK_CTR_CYCLES:-4}

POD=vcleak-$$
before_cleanup() {
  ctd_log_tail "$1" 40
  ctd_stop
  ip netns del "$POD" 2>/dev/null || true
}
ip link set lo up
ip netns add "$POD"
ip link add v-leak type veth peer name eth0 netns "$POD"
ip -n "$POD" link set lo up
ip -n "$POD" addr add 10.97.0.2/24 dev eth0
ip -n "$POD" link set eth0 up
ip link set v-leak up

# One line per kind of thing a sandbox makes on the host; processes and
# mounts are this test's (its state root, its containerd), so that other work
# on the machine does not count.
census() {  # [PID of a long-lived process whose fds count]
  local ours="$ROOT"
  [ -z "${CTD_SOCK:-}" ] || ours+="|containerd-shim-vc-v2 .*-address $CTD_SOCK"
  echo "processes $({ pgrep -f -- "$ours" || true; } | wc -l)"
  # Unreaped children of a living process; those of init are init's to reap.
  echo "zombies $(ps -eo stat=,ppid= | awk '$1 ~ /^Z/ && $2 != 1' | wc -l)"
  echo "mounts $(grep -cF "$WORK" /proc/self/mountinfo || true)"
  echo "loop-devices $(losetup -a | wc -l)"
  echo "links $(ip -o link | wc -l) pod-links $(ip -n "$POD" -o link | wc -l)"
  echo "pod-qdiscs $(ip netns exec "$POD" tc qdisc show | wc -l) pod-filters $(ip netns exec "$POD" tc filter show dev eth0 ingress | wc -l)"
  echo "cgroups $(find /sys/fs/cgroup -type d | wc -l)"
  echo "state-files $(find "$ROOT" 2>/dev/null | wc -l)"
  echo "shm-files $(find /dev/shm | wc -l)"
  [ -z "${1:-}" ] || echo "fds-of-$1 $(ls "/proc/$1/fd" | wc -l)"
}
# Fails with the lines that differ.
assert_same_census() {  # BEFORE AFTER WHAT
  [ "$1" = "$2" ] || fail "$3 leaked: $(diff <(echo "$1") <(echo "$2") | grep '^[<>]' | tr '\n' ' ')"
}

cycle() {  # N
  virtc sandbox run --id "leak$1" --netns "/run/netns/$POD" --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
  [ "$(virtc container enter --sandbox "leak$1" --id main -- echo in)" = in ] || fail "exec in cycle $1"
  virtc sandbox stop --id "leak$1"
  virtc sandbox delete --id "leak$1"
}
cycle 0  # the first one fills caches (cgroup parents, state root) that stay
before=$(census)
start=$(date +%s)
for i in $(seq "$cycles"); do cycle "$i"; done
after=$(census)
echo "$after" | sed 's/^/  /'
assert_same_census "$before" "$after" "$cycles virtc cycles ($(( $(date +%s) - start )) s)"
pass "$cycles virtc create/start/exec/stop/delete cycles in a pod network namespace leave nothing"

# A shim exits a moment after containerd's Shutdown call, not during it.
shims_gone() {
  for _ in $(seq 50); do pgrep -f -- "containerd-shim-vc-v2 .*-address $CTD_SOCK" >/dev/null || return 0; sleep 0.1; done
  fail "a shim outlived its task: $(pgrep -af -- "containerd-shim-vc-v2 .*-address $CTD_SOCK")"
}
ctd_up
ctd_ctr run --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG" --rm "$IMAGE" warm true </dev/null
shims_gone
ctd_pid=$CTD_PID
before=$(census "$ctd_pid")
start=$(date +%s)
for i in $(seq "$ctr_cycles"); do
  out=$(ctd_ctr run --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG" --rm "$IMAGE" "leak$i" echo "run $i" </dev/null)
  assert_eq "run $i" "$out" "output of ctr run $i"
done
shims_gone
after=$(census "$ctd_pid")
echo "$after" | sed 's/^/  /'
assert_same_census "$before" "$after" "$ctr_cycles ctr run --rm cycles ($(( $(date +%s) - start )) s)"
pass "$ctr_cycles ctr run --rm cycles through the shim leave nothing, containerd's fds included"

# The shim's memory over many execs in one container: flat after warm-up.
execs=${VC_LEAK_EXECS:-40}
ctd_ctr run --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG" -d "$IMAGE" execs sleep 100000 </dev/null
shim_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$(pgrep -f -- "containerd-shim-vc-v2 .*-address $CTD_SOCK" | head -1)/status"; }
run_exec() { assert_eq "x$1" "$(ctd_ctr task exec --exec-id "e$1" execs echo "x$1" </dev/null)" "output of exec $1"; }
for i in $(seq 10); do run_exec "$i"; done  # warm-up: buffers and maps reach their size
rss_start=$(shim_rss)
for i in $(seq 11 $((10 + execs))); do run_exec "$i"; done
rss_end=$(shim_rss)
slope=$(awk -v a="$rss_start" -v b="$rss_end" -v n="$execs" 'BEGIN {printf "%.1f", (b - a) / n}')
echo "  shim VmRSS $rss_start -> $rss_end KiB over $execs execs: $slope KiB per exec"
awk -v s="$slope" 'BEGIN {exit !(s < 2)}' || fail "the shim grows by $slope KiB per exec"
ctd_ctr task kill -s KILL execs
for _ in $(seq 50); do ctd_ctr task ls | grep -w execs | grep -q STOPPED && break; sleep 0.1; done
ctd_ctr task rm execs >/dev/null
ctd_ctr container rm execs
pass "the shim's memory stays flat over $execs execs ($slope KiB per exec)"

ctd_stop
assert_clean
pass "nothing left behind"

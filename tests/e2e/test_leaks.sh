# Leak audit: cycles of create, start, exec, stop and delete through virtc
# (in a pod network namespace, so taps and qdiscs are made and removed) and
# `ctr run --rm` cycles through the shim, with a census of the host before
# and after: nothing may grow. The suite runs a short version; the long one:
#   VC_LEAK_CYCLES=200 VC_LEAK_CTR_CYCLES=100 ctest --test-dir build -R e2e.test_leaks -V
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

# One line per kind of thing a sandbox makes on the host.
census() {  # [PID of a long-lived process whose fds count]
  echo "processes $(ps -e --no-headers | grep -cv -e ' ps$' -e ' grep$' -e ' bash$' -e ' sleep$' -e ' wc$')"
  echo "our-processes $({ pgrep -f -- "$ROOT" || true; } | wc -l)"
  echo "zombies $(ps -eo stat= | grep -c '^Z' || true)"
  echo "mounts $(wc -l </proc/self/mountinfo)"
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

ctd_up
ctd_ctr run --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG" --rm "$IMAGE" warm true </dev/null
ctd_pid=$CTD_PID
before=$(census "$ctd_pid")
start=$(date +%s)
for i in $(seq "$ctr_cycles"); do
  out=$(ctd_ctr run --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG" --rm "$IMAGE" "leak$i" echo "run $i" </dev/null)
  assert_eq "run $i" "$out" "output of ctr run $i"
done
sleep 1  # the last shim exits after its Shutdown answer
after=$(census "$ctd_pid")
echo "$after" | sed 's/^/  /'
assert_same_census "$before" "$after" "$ctr_cycles ctr run --rm cycles ($(( $(date +%s) - start )) s)"
pass "$ctr_cycles ctr run --rm cycles through the shim leave nothing, containerd's fds included"

ctd_stop
assert_clean
pass "nothing left behind"

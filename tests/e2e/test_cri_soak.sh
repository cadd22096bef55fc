#!/usr/bin/env bash
# Pods churned through containerd's CRI plugin while others stay up, as a
# busy node does: SOAK_WORKERS workers (default 2) each create a pod with
# two containers, exec in one (localhost to the other), port-forward to the
# server, update a limit, stop and remove it, again and again for
# SOAK_SECONDS (default 90), while SOAK_IDLE pods (default 2) stay up. A
# census of what pods leave on the host (processes, mounts, pod network
# namespaces and their qdiscs, cgroups, state, containerd's descriptors) is
# taken before and after: nothing may grow, no operation may fail.
# bench/soak.sh runs it long (60 minutes, 4 workers, 20 idle pods) and
# prints the figures. The whole test runs in a network namespace of its own.
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd_lib.sh"
source "$(dirname "$0")/cri_lib.sh"

SECONDS_LEFT=${SOAK_SECONDS:-90}
WORKERS=${SOAK_WORKERS:-2}
IDLE=${SOAK_IDLE:-2}
before_cleanup() { cri_cleanup "$1"; }
cri_network 10.95.0.0/16
mkdir -p "$ROOTFS/www" && echo "soaked" >"$ROOTFS/www/index.html"
ctd_up_cri "$WORK/cni"

census() {
  local netns_dir=$WORK/containerd/state/io.containerd.grpc.v1.cri/netns qdiscs=0 f
  for f in "$netns_dir"/*; do
    [ -e "$f" ] && qdiscs=$((qdiscs + $(nsenter --net="$f" tc qdisc show | wc -l)))
  done
  echo "sandbox processes: $(pgrep -fc -- "$ROOT" || true)"
  echo "shims: $(pgrep -fc -- "containerd-shim-vc-v2 .*-address $CTD_SOCK" || true)"
  echo "mounts: $(grep -c -F "$WORK" /proc/self/mountinfo || true)"
  echo "pod network namespaces: $(ls "$netns_dir" 2>/dev/null | wc -l)"
  echo "qdiscs in them: $qdiscs"
  echo "veths: $(ip -o link show type veth | wc -l)"
  echo "cgroups: $(find /sys/fs/cgroup/memory/"$CG"-vc -mindepth 1 -type d 2>/dev/null | wc -l)"
  echo "sandbox states: $(ls "$ROOT/sbs" 2>/dev/null | wc -l)"
}
ctd_fds() { ls "/proc/$(pgrep -x containerd | head -1)/fd" | wc -l; }

for i in $(seq "$IDLE"); do
  config=$(pod_config "idle-$i" "/$CG-vc")
  pod=$(run_pod vc "$config") || fail "idle pod $i"
  start_container "$pod" "$config" "$(container_config sleeper false '["sleep", "100000"]')" >/dev/null ||
    fail "idle pod $i's container"
done
sleep 2
before=$(census) fds_before=$(ctd_fds)

# One worker: pod cycles until the deadline; a line per cycle in its log,
# "ok SECONDS" or "FAIL what".
cycle() {  # NAME
  local config pod server client got
  config=$(pod_config "$1" "/$CG-vc")
  pod=$(run_pod vc "$config") || { echo "FAIL RunPodSandbox"; return; }
  server=$(start_container "$pod" "$config" "$(container_config web false '["httpd", "-f", "-p", "8080", "-h", "/www"]')") ||
    { echo "FAIL server container"; return; }
  client=$(start_container "$pod" "$config" "$(container_config client false '["sleep", "100000"]')") ||
    { echo "FAIL client container"; return; }
  wait_for 100 cri execsync "$client" wget -q -O- http://127.0.0.1:8080/index.html ||
    { echo "FAIL exec: localhost"; return; }
  got=$(printf 'GET /index.html HTTP/1.0\r\n\r\n' | timeout 60 "$CRI" portforward "$pod" 8080 2>&1 | tr -d '\r' | tail -1)
  [ "$got" = soaked ] || { echo "FAIL port-forward: $got"; return; }
  cri call UpdateContainerResources "{\"container_id\":\"$client\",\"linux\":{\"memory_limit_in_bytes\":67108864}}" \
    >/dev/null || { echo "FAIL update"; return; }
  remove_pod "$pod" || { echo "FAIL remove"; return; }
  echo ok
}
worker() {  # N
  local deadline=$((SECONDS + SECONDS_LEFT)) n=0 t0
  while [ "$SECONDS" -lt "$deadline" ]; do
    n=$((n + 1)) t0=$SECONDS
    echo "$(cycle "churn-$1-$n") $((SECONDS - t0))"
  done >"$WORK/worker-$1.log" 2>&1
}
start=$SECONDS
workers=()
for w in $(seq "$WORKERS"); do
  worker "$w" &
  workers+=($!)
done
wait "${workers[@]}"
took=$((SECONDS - start))
cycles=$(cat "$WORK"/worker-*.log | grep -c '^ok' || true)
failed=$(cat "$WORK"/worker-*.log | grep -v '^ok' || true)
sleep 2
after=$(census) fds_after=$(ctd_fds)
echo "   $cycles pod cycles in $took s by $WORKERS workers beside $IDLE idle pods:" \
  "$(awk -v c="$cycles" -v t="$took" 'BEGIN {printf "%.1f", c * 60 / t}') pods a minute" \
  "($(awk -v c="$cycles" -v t="$took" 'BEGIN {printf "%.0f", c * 11 * 60 / t}') CRI calls a minute, 11 a pod)"
paste -d'|' <(echo "$before") <(echo "$after") | awk -F'|' '{printf "   %-40s -> %s\n", $1, $2}'
echo "   containerd's descriptors: $fds_before -> $fds_after"
[ -z "$failed" ] || fail "operations failed: $(echo "$failed" | sort | uniq -c | tr '\n' ';')"
[ "$cycles" -gt 0 ] || fail "no pod cycle finished in $took s"
assert_eq "$before" "$after" "the census before and after the churn"
[ "$fds_after" -le $((fds_before + 8)) ] || fail "containerd's descriptors grew from $fds_before to $fds_after"
pass "$cycles pods created, used (exec, port-forward, update) and removed by $WORKERS workers beside $IDLE idle pods: no failure, nothing grew"

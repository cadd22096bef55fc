#!/usr/bin/env bash
# Kubernetes pods through containerd's CRI plugin, our handler next to runc in
# one run: RunPodSandbox, and a full pod cycle (run the pod, create and start
# a container, ExecSync, stop and remove the pod), medians in ms; then what one
# idle pod (one `sleep` container) costs on the host, which is what a
# RuntimeClass's overhead.podFixed must cover: the pod cgroup's memory (what
# kubelet accounts and limits), the PSS of the pod's host processes, and CPU
# while idle. Runs in a network namespace of its own (CNI's bridge stays there).
#   bench/cri.sh [RUNS] [IDLE_SECONDS]   (default 5 and 20; needs root and a build)
set -euo pipefail
if [ -z "${VC_BENCH_NETNS:-}" ]; then
  VC_BENCH_NETNS=1 exec unshare -n bash "$0" "$@"
fi
cd "$(dirname "$0")/.."
runs=${1:-5}
idle=${2:-20}
build=$PWD/build
for need in "$build/bin/vc-cri" "$build/bin/vc-test-pause" "$build/bin/containerd-shim-vc-v2"; do
  [ -x "$need" ] || { echo "missing $need: run scripts/build.sh" >&2; exit 1; }
done
for tool in containerd ctr runc jq /usr/lib/cni/bridge; do
  command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/setup.sh" >&2; exit 1; }
done
ip link set lo up

work=$(mktemp -d /tmp/vcb.XXXXXX)
cg=vc-bench-$$
source scripts/private-containerd.sh
cleanup() {
  ctd_remove_pods "$build/bin/vc-cri"
  ctd_stop
  pkill -9 -f -- "$work" 2>/dev/null || true
  grep -F "$work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  for d in /sys/fs/cgroup/*/"$cg"-*; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

printf '[hypervisor]\nkernel = "%s"\ninitrd = "%s"\n[runtime]\nstate_root = "%s/vm"\n' \
  "$build/guest/vmlinux" "$build/guest/initramfs.cpio" "$work" >"$work/vc.toml"
mkdir -p "$work/cni" "$work/pause"
cat >"$work/cni/10-pods.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "bench", "plugins": [{"type": "bridge", "bridge": "vcbench0", "isGateway": true,
  "ipam": {"type": "host-local", "subnet": "10.96.0.0/16", "dataDir": "$work/ipam"}}]}
JSON
ctd_start_cri "$work/containerd" "$build/bin" "$work/vc.toml" "$work/cni"
export CRI_SOCKET=$CTD_SOCK
cri() { "$build/bin/vc-cri" "$@"; }
image=docker.io/library/vc-bench:latest
bash scripts/make-rootfs.sh "$work/rootfs" >/dev/null
bash scripts/make-oci-image.sh "$work/rootfs" "$work/image.tar" "$image"
cp "$build/bin/vc-test-pause" "$work/pause/pause"
bash scripts/make-oci-image.sh "$work/pause" "$work/pause.tar" registry.k8s.io/pause:3.6 '["/pause"]'
ctd_import "$work/image.tar" k8s.io
ctd_import "$work/pause.tar" k8s.io

pod_config() {  # HANDLER (a unique name: called in $(...), which keeps no counter)
  jq -cn --arg name "p$(date +%s%N)" --arg cg "/$cg-$1" --arg logs "$work/logs" \
    '{metadata: {name: $name, namespace: "bench", uid: $name}, log_directory: $logs, linux: {cgroup_parent: $cg}}'
}
run_pod() {  # HANDLER CONFIG -> id
  cri call RunPodSandbox "$(jq -cn --argjson c "$2" --arg h "$1" '{config: $c, runtime_handler: $h}')" |
    jq -r .pod_sandbox_id
}
start_sleeper() {  # POD CONFIG -> container id
  local id
  id=$(cri call CreateContainer "$(jq -cn --arg p "$1" --argjson s "$2" --arg i "$image" \
    '{pod_sandbox_id: $p, sandbox_config: $s, config: {metadata: {name: "sleeper"}, image: {image: $i},
      command: ["sleep", "100000"], log_path: "sleeper.log"}}')" | jq -r .container_id)
  cri call StartContainer "{\"container_id\":\"$id\"}" >/dev/null
  echo "$id"
}
remove_pod() {
  cri call StopPodSandbox "{\"pod_sandbox_id\":\"$1\"}" >/dev/null
  cri call RemovePodSandbox "{\"pod_sandbox_id\":\"$1\"}" >/dev/null
}
run_pod_only() { local id; id=$(run_pod "$1" "$(pod_config "$1")"); [ -n "$id" ] && echo "$id" >>"$work/pods-$1"; }
pod_cycle() {
  local config id ctr
  config=$(pod_config "$1")
  id=$(run_pod "$1" "$config")
  ctr=$(start_sleeper "$id" "$config")
  cri execsync "$ctr" true
  remove_pod "$id"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
declare -A med all
time_it() {  # NAME COMMAND...
  local name=$1; shift
  local t0 xs=()
  for _ in $(seq "$runs"); do
    t0=$(now_ms)
    "$@" >/dev/null || { echo "bench: '$*' failed" >&2; exit 1; }
    xs+=($(( $(now_ms) - t0 )))
  done
  med[$name]=$(printf '%s\n' "${xs[@]}" | median)
  all[$name]="${xs[*]}"
}

for h in runc vc; do
  time_it "RunPodSandbox, $h" run_pod_only "$h"
  for p in $(cat "$work/pods-$h"); do remove_pod "$p"; done
  time_it "pod cycle, $h" pod_cycle "$h"
done

# One idle pod of each, side by side.
declare -A pod_of mem pss cpu
for h in runc vc; do
  config=$(pod_config "$h")
  pod_of[$h]=$(run_pod "$h" "$config")
  start_sleeper "${pod_of[$h]}" "$config" >/dev/null
done
sleep 5
cpu_usage() { cat /sys/fs/cgroup/cpuacct/"$cg-$1"/cpuacct.usage; }
declare -A cpu0
for h in runc vc; do cpu0[$h]=$(cpu_usage "$h"); done
sleep "$idle"
for h in runc vc; do
  cpu[$h]=$(( ($(cpu_usage "$h") - ${cpu0[$h]}) / idle / 1000000 ))  # ns/s -> millicores
  mem[$h]=$(awk '{printf "%.1f", $1 / 1048576}' /sys/fs/cgroup/memory/"$cg-$h"/memory.usage_in_bytes)
  total=0
  for pid in $(find /sys/fs/cgroup/memory/"$cg-$h" -name cgroup.procs -exec cat {} \;); do
    kb=$(awk '/^Pss:/ {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  pss[$h]=$(awk -v kb="$total" 'BEGIN {printf "%.1f", kb / 1024}')
done

echo "accelerator: $([ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] && echo kvm || echo tcg)   runs: $runs   (medians, ms)"
for what in "RunPodSandbox" "pod cycle"; do
  r=${med[$what, runc]} v=${med[$what, vc]}
  printf '%-14s runc %6d   vc %6d   ratio %5.1fx   [runc: %s] [vc: %s]\n' "$what" "$r" "$v" \
    "$(echo "$v $r" | awk '{print $1 / ($2 ? $2 : 1)}')" "${all[$what, runc]}" "${all[$what, vc]}"
done
echo "one idle pod (pause + a sleep container), after ${idle} s idle:"
for h in runc vc; do
  printf '  %-5s pod cgroup memory %7s MiB   PSS of its host processes %7s MiB   CPU %4d millicores\n' \
    "$h" "${mem[$h]}" "${pss[$h]}" "${cpu[$h]}"
done

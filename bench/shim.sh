#!/usr/bin/env bash
# The containerd shim's own cost: resident memory and OS threads of
# containerd-shim-vc-v2 serving one pod with 1 container, then 10 containers,
# then 10 containers with 10 exec processes running; and `ctr run` of a
# one-shot container next to `virtc run` of the same command (same VM setup).
#   bench/shim.sh [RUNS]   (default 3; needs root and a build: scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
build=$PWD/build
for need in "$build/bin/containerd-shim-vc-v2" "$build/bin/virtc" "$build/guest/vmlinux"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/build.sh" >&2; exit 1; }
done
command -v containerd >/dev/null || { echo "containerd missing: run scripts/setup.sh" >&2; exit 1; }

work=$(mktemp -d /tmp/vc-bench-shim.XXXXXX)
source scripts/private-containerd.sh
cleanup() {
  ctd_stop
  pkill -9 -f -- "$work/vcroot" 2>/dev/null || true
  grep -F "$work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bash scripts/make-rootfs.sh "$work/rootfs"
image=docker.io/library/vc-bench:latest
bash scripts/make-oci-image.sh "$work/rootfs" "$work/image.tar" "$image"
cat >"$work/vc.toml" <<TOML
[hypervisor]
kernel = "$build/guest/vmlinux"
initrd = "$build/guest/initramfs.cpio"
[runtime]
state_root = "$work/vcroot"
TOML
ctd_start "$work/containerd" "$build/bin"
ctd_import "$work/image.tar"
run=(run --runtime io.containerd.vc.v2 --runtime-config-path "$work/vc.toml")

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

via_ctr=() via_virtc=()
for i in $(seq "$runs"); do
  t0=$(now_ms)
  ctd_ctr "${run[@]}" --rm "$image" "once$i" true </dev/null
  via_ctr+=($(( $(now_ms) - t0 )))
  t0=$(now_ms)
  "$build/bin/virtc" --root "$work/vcroot" run --rootfs "$work/rootfs" -- true
  via_virtc+=($(( $(now_ms) - t0 )))
done

shim_pid() { pgrep -f -- "containerd-shim-vc-v2 .*-address $CTD_SOCK" | head -1; }
measure() {  # label
  local pid; pid=$(shim_pid)
  local rss threads
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
  printf '%-40s RSS %6d KiB   threads %d\n' "$1" "$rss" "$threads"
}

pod=(--annotation io.kubernetes.cri.sandbox-id=pod)
ctd_ctr "${run[@]}" -d --annotation io.kubernetes.cri.container-type=sandbox "${pod[@]}" "$image" pod sleep 100000 </dev/null
m1=$(measure "shim, 1 container:")
for i in $(seq 2 10); do
  ctd_ctr "${run[@]}" -d --annotation io.kubernetes.cri.container-type=container "${pod[@]}" "$image" "c$i" sleep 100000 </dev/null
done
m10=$(measure "shim, 10 containers:")
for i in $(seq 2 10); do
  ctd_ctr task exec -d --exec-id "e$i" "c$i" sleep 100000 </dev/null
done
ctd_ctr task exec -d --exec-id e1 pod sleep 100000 </dev/null
m10e=$(measure "shim, 10 containers + 10 execs:")

echo "accelerator: $([ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] && echo kvm || echo tcg)   runs: $runs   (medians)"
echo "ctr run --rm IMAGE true (containerd + shim): $(printf '%s\n' "${via_ctr[@]}" | median) ms   [${via_ctr[*]}]"
echo "virtc run --rootfs R -- true:                $(printf '%s\n' "${via_virtc[@]}" | median) ms   [${via_virtc[*]}]"
echo "$m1"
echo "$m10"
echo "$m10e"

#!/usr/bin/env bash
# Start time and memory of sandboxes, cold and from a VM template, side by
# side in one run with their baselines: a bare QEMU boot of the same kernel to
# a trivial init (same machine options; q35, and microvm for the microvm
# rows), and a bare boot of Debian's cloud
# kernel as a bzImage (q35, 256 MiB, QEMU's defaults). Prints one table.
#   bench/run.sh [RUNS] [IDLE]   (default 5 runs, 10 idle sandboxes; needs
#                                 root and a build: scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
idle=${2:-10}
build=$PWD/build
virtc=$build/bin/virtc
lean=$build/guest/vmlinux
debian=$build/guest/debian
for need in "$virtc" "$build/bin/vc-bench-init" "$build/bin/containerd-shim-vc-v2" "$lean" \
            "$build/guest/initramfs.cpio" "$debian/vmlinux" "$debian/vmlinuz" "$debian/initramfs.cpio"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/build.sh" >&2; exit 1; }
done
command -v containerd >/dev/null || { echo "containerd missing: run scripts/setup.sh" >&2; exit 1; }

work=$(mktemp -d /tmp/vc-bench.XXXXXX)
root=$work/root
source scripts/private-containerd.sh
source bench/lib.sh
cleanup() {
  ctd_stop
  remove_sandboxes_and_work
}
trap cleanup EXIT
bash scripts/make-rootfs.sh "$work/rootfs"

# The floor: an initramfs whose init powers the VM off at once.
mkdir -p "$work/floor"
cp "$build/bin/vc-bench-init" "$work/floor/init"
(cd "$work/floor" && echo init | cpio --quiet -o -H newc -R 0:0) >"$work/floor.cpio"

accel=tcg
[ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] && accel=kvm
cpu=max; [ "$accel" = kvm ] && cpu=host
# The accelerator options the runtime passes (src/hypervisor/qemu/argv.h).
ours_accel=$accel; [ "$accel" = tcg ] && ours_accel="tcg,tb-size=$(sed -n 's/.*kDefaultTcgCacheMib = \([0-9]*\);.*/\1/p' src/hypervisor/qemu/argv.h)"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
# microvm under TCG: the kernel is told the TSC's frequency, as the runtime
# does (src/hypervisor/qemu/argv.cc); here from the host's cpuinfo.
tsc_khz=$(awk -F': ' '/^cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)
bare_boot() {  # KERNEL ACCEL-OPTIONS [MACHINE]
  local machine=${3:-q35} append="console=ttyS0 quiet panic=-1"
  [ "$machine" = microvm ] && [ "$accel" = tcg ] && append+=" tsc_early_khz=$tsc_khz"
  qemu-system-x86_64 -machine "$machine" -accel "$2" -cpu "$cpu" -m 256 -smp 1 -nodefaults -no-user-config \
    -display none -no-reboot -kernel "$1" -initrd "$work/floor.cpio" \
    -append "$append" -serial null
}
timed() {  # ARRAY COMMAND...: appends the command's milliseconds to ARRAY
  local -n into=$1; shift
  local t0; t0=$(now_ms)
  "$@" >/dev/null
  into+=($(( $(now_ms) - t0 )))
}

cat >"$work/vc.toml" <<TOML
[runtime]
state_root = "$root"
TOML
image=docker.io/library/vc-bench:latest
bash scripts/make-oci-image.sh "$work/rootfs" "$work/image.tar" "$image"
ctd_start "$work/containerd" "$build/bin"
ctd_import "$work/image.tar"
ctr_run=(run --runtime io.containerd.vc.v2 --runtime-config-path "$work/vc.toml")
"$virtc" --root "$root" factory init >/dev/null

# Interleaved, so a slow moment of the machine hits every column alike.
bare_lean=() bare_debian=() cold=() cold_debian=() via_ctr=() warm=() bare_micro=() cold_micro=()
for i in $(seq "$runs"); do
  timed bare_lean bare_boot "$lean" "$ours_accel"
  timed bare_micro bare_boot "$lean" "$ours_accel" microvm
  timed cold_micro "$virtc" --root "$root" --machine microvm run --rootfs "$work/rootfs" -- true
  timed bare_debian bare_boot "$debian/vmlinuz" "$accel"
  timed cold "$virtc" --root "$root" run --rootfs "$work/rootfs" -- true
  timed cold_debian "$virtc" --root "$root" --kernel "$debian/vmlinux" run --rootfs "$work/rootfs" -- true
  timed via_ctr ctd_ctr "${ctr_run[@]}" --rm "$image" "once$i" true </dev/null
  timed warm "$virtc" --root "$root" --template run --rootfs "$work/rootfs" -- true
done
largest_phase() {  # virtc options...: the longest phase of one start
  "$virtc" --root "$root" "$@" run --timeline --rootfs "$work/rootfs" -- true 2>"$work/timeline" >/dev/null
  awk 'NR > 1 && $3 > max {max = $3; name = $1} END {printf "%s (%.0f ms of %.0f)", name, max, $2}' "$work/timeline"
}
largest=$(largest_phase)
largest_warm=$(largest_phase --template)

# Idle sandboxes alive at once: the host memory (PSS) of each one's QEMU,
# virtiofsd and supervisor, in KiB, mean over $idle, into $pss (and the exec
# latency into enter, the first time).
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
enter=()
idle_pss() {  # virtc options...
  local total=0 i pid
  for i in $(seq "$idle"); do
    "$virtc" --root "$root" "$@" sandbox run --id "idle$i" --rootfs "$work/rootfs" -- sleep 100000 >/dev/null
  done
  sleep 10  # let the guests settle
  for i in $(seq "$idle"); do
    for pid in $(pgrep -f -- "-name sandbox-idle$i,") $(pgrep -f -- "vc-supervisor --root $root --sandbox idle$i --status-fd") \
               $(pgrep -f -- "virtiofsd --socket-path=$root/sbs/idle$i/"); do
      total=$(( total + $(pss_kb "$pid") ))
    done
  done
  if [ ${#enter[@]} -eq 0 ]; then
    for i in $(seq "$runs"); do timed enter "$virtc" --root "$root" container enter --sandbox idle1 --id main -- true; done
  fi
  for i in $(seq "$idle"); do
    "$virtc" --root "$root" sandbox stop --id "idle$i" >/dev/null
    "$virtc" --root "$root" sandbox delete --id "idle$i" >/dev/null
  done
  pss=$(( total / idle ))
}
idle_pss
cold_pss=$pss
idle_pss --template
warm_pss=$pss

# The shim's own memory with 1 and 10 containers in one pod.
shim_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$(pgrep -f -- "containerd-shim-vc-v2 .*-address $CTD_SOCK" | head -1)/status"; }
pod=(--annotation io.kubernetes.cri.sandbox-id=pod)
ctd_ctr "${ctr_run[@]}" -d --annotation io.kubernetes.cri.container-type=sandbox "${pod[@]}" "$image" pod sleep 100000 </dev/null
shim1=$(shim_rss)
for i in $(seq 2 10); do
  ctd_ctr "${ctr_run[@]}" -d --annotation io.kubernetes.cri.container-type=container "${pod[@]}" "$image" "c$i" sleep 100000 </dev/null
done
shim10=$(shim_rss)

m() { printf '%s\n' "$@" | median; }
b_lean=$(m "${bare_lean[@]}") b_deb=$(m "${bare_debian[@]}")
b_micro=$(m "${bare_micro[@]}") c_micro=$(m "${cold_micro[@]}")
c_lean=$(m "${cold[@]}") c_deb=$(m "${cold_debian[@]}") c_ctr=$(m "${via_ctr[@]}") c_warm=$(m "${warm[@]}")
row() { printf '%-58s %10s %12s %7s %8s\n' "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "accelerator: $accel   runs: $runs (medians)   idle sandboxes: $idle   kernel $(cat "$build/guest/kernel-release")"
row "metric" "value" "baseline" "ratio" "goal"
row "bare boot, lean vmlinux (PVH) to a trivial init (A)" "$b_lean ms" "" "" ""
row "bare boot, Debian's bzImage to a trivial init (B)" "$b_deb ms" "" "" ""
row "cold virtc run -- true / A" "$c_lean ms" "$b_lean ms" "$(ratio "$c_lean" "$b_lean")" "<= 1.10"
row "cold virtc run -- true / B" "$c_lean ms" "$b_deb ms" "$(ratio "$c_lean" "$b_deb")" "<= 0.60"
row "bare boot, lean vmlinux on microvm to a trivial init (A')" "$b_micro ms" "" "" ""
row "cold virtc --machine microvm run -- true / A'" "$c_micro ms" "$b_micro ms" "$(ratio "$c_micro" "$b_micro")" "<= 1.10"
row "cold virtc --machine microvm run -- true / B" "$c_micro ms" "$b_deb ms" "$(ratio "$c_micro" "$b_deb")" "<= 0.60"
row "cold virtc run -- true, Debian's kernel (PVH) / B" "$c_deb ms" "$b_deb ms" "$(ratio "$c_deb" "$b_deb")" ""
row "warm (template) virtc --template run -- true / B" "$c_warm ms" "$b_deb ms" "$(ratio "$c_warm" "$b_deb")" "<= 0.25"
row "ctr run --rm with the shim / A" "$c_ctr ms" "$b_lean ms" "$(ratio "$c_ctr" "$b_lean")" "<= 1.25"
row "host PSS per idle sandbox, cold (mean of $idle)" "$(( cold_pss / 1024 )) MiB" "" "" "<= 61 MB"
row "host PSS per idle sandbox, from the template (mean of $idle)" "$(( warm_pss / 1024 )) MiB" "" "" "<= 61 MB"
row "shim RSS, 1 container" "$(( shim1 / 1024 )) MiB" "" "" "<= 5 MiB"
row "shim RSS, 10 containers" "$(( shim10 / 1024 )) MiB" "" "" "<= 5 MiB"
echo "exec latency (virtc container enter -- true, cold sandbox): $(m "${enter[@]}") ms"
echo "largest phase of a cold start: $largest; of a warm start: $largest_warm"
echo "runs (ms): A [${bare_lean[*]}]  A' [${bare_micro[*]}]  B [${bare_debian[*]}]  run [${cold[*]}]  run-microvm [${cold_micro[*]}]  run-debian [${cold_debian[*]}]  ctr [${via_ctr[*]}]  warm [${warm[*]}]"

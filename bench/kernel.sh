#!/usr/bin/env bash
# What the lean guest kernel's features cost: the kernel of this tree against
# the kernel of an earlier revision's guest/kernel/vc.config (built here once,
# cached in build/bench-kernel-cache), side by side in one run, interleaved:
# a bare QEMU boot of each to a trivial init, a cold `virtc run -- true` with
# each, and idle sandboxes of each: the guest memory the guest uses
# (MemTotal - MemFree, and MemTotal: what the kernel image keeps), and the
# host PSS of each sandbox's QEMU. Prints one table with ratios.
#   bench/kernel.sh REVISION [RUNS] [IDLE]   (default 5 runs, 4 idle sandboxes;
#                                             needs root and a build: scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bench/kernel.sh REVISION [RUNS] [IDLE]}
runs=${2:-5}
idle=${3:-4}
build=$PWD/build
virtc=$build/bin/virtc
lean=$build/guest/vmlinux
for need in "$virtc" "$build/bin/vc-bench-init" "$lean" "$build/guest/initramfs.cpio"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/build.sh" >&2; exit 1; }
done

work=$(mktemp -d /tmp/vc-bench-kernel.XXXXXX)
root=$work/root
source bench/lib.sh
trap remove_sandboxes_and_work EXIT

# The baseline kernel, with this tree's initramfs beside it (the agent is the same).
git show "$rev:guest/kernel/vc.config" >"$work/base.config"
base=$build/bench-kernel/$(git rev-parse --short "$rev")
bash guest/kernel/build-kernel.sh --out "$base" --cache "$build/bench-kernel-cache" --config "$work/base.config"
cp "$build/guest/initramfs.cpio" "$base/initramfs.cpio"
bash scripts/make-rootfs.sh "$work/rootfs"
mkdir -p "$work/floor"
cp "$build/bin/vc-bench-init" "$work/floor/init"
(cd "$work/floor" && echo init | cpio --quiet -o -H newc -R 0:0) >"$work/floor.cpio"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
timed() {  # ARRAY COMMAND...
  local -n into=$1; shift
  local t0; t0=$(now_ms)
  "$@" >/dev/null
  into+=($(( $(now_ms) - t0 )))
}
bare_boot() {  # KERNEL
  qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 256 -smp 1 -nodefaults -no-user-config \
    -display none -no-reboot -kernel "$1" -initrd "$work/floor.cpio" -append "console=ttyS0 quiet panic=-1" \
    -serial null
}
cold() { "$virtc" --root "$root" --kernel "$1" run --rootfs "$work/rootfs" -- true; }

# Interleaved, and each kernel first every other run, so that a slow moment
# of the machine or the order hits both alike.
bare_new=() bare_old=() cold_new=() cold_old=()
for i in $(seq "$runs"); do
  order=(old new); [ $((i % 2)) -eq 0 ] && order=(new old)
  for tag in "${order[@]}"; do
    kernel=$lean; [ "$tag" = old ] && kernel=$base/vmlinux
    timed "bare_$tag" bare_boot "$kernel"
  done
  for tag in "${order[@]}"; do
    kernel=$lean; [ "$tag" = old ] && kernel=$base/vmlinux
    timed "cold_$tag" cold "$kernel"
  done
done

# Idle sandboxes of both kernels at once; means in KiB into used_<tag>, total_<tag>, pss_<tag>.
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
for i in $(seq "$idle"); do
  "$virtc" --root "$root" --kernel "$base/vmlinux" sandbox run --id "old$i" --rootfs "$work/rootfs" -- sleep 100000 >/dev/null
  "$virtc" --root "$root" --kernel "$lean" sandbox run --id "new$i" --rootfs "$work/rootfs" -- sleep 100000 >/dev/null
done
sleep 10  # let the guests settle
for tag in old new; do
  used=0 total=0 pss=0
  for i in $(seq "$idle"); do
    read -r t f < <("$virtc" --root "$root" container enter --sandbox "$tag$i" --id main -- \
      awk '/^MemTotal:/ {t = $2} /^MemFree:/ {f = $2} END {print t, f}' /proc/meminfo)
    used=$(( used + t - f )) total=$(( total + t ))
    pss=$(( pss + $(pss_kb "$(pgrep -f -- "-name sandbox-$tag$i," | head -1)") ))
  done
  printf -v "used_$tag" '%s' $(( used / idle ))
  printf -v "total_$tag" '%s' $(( total / idle ))
  printf -v "pss_$tag" '%s' $(( pss / idle ))
done

m() { printf '%s\n' "$@" | median; }
row() { printf '%-52s %12s %12s %7s %s\n' "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
diff_kb() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.2f MiB", (a - b) / 1024}'; }
b_old=$(m "${bare_old[@]}") b_new=$(m "${bare_new[@]}") c_old=$(m "${cold_old[@]}") c_new=$(m "${cold_new[@]}")
echo "TCG, $runs runs (medians), $idle idle sandboxes each; baseline: vc.config of $rev ($(cat "$base/kernel-release"))"
row "metric" "this tree" "baseline" "ratio" "difference (goal)"
row "vmlinux size" "$(( $(stat -c %s "$lean") / 1024 )) KiB" "$(( $(stat -c %s "$base/vmlinux") / 1024 )) KiB" \
  "$(ratio "$(stat -c %s "$lean")" "$(stat -c %s "$base/vmlinux")")" ""
row "bare boot to a trivial init" "$b_new ms" "$b_old ms" "$(ratio "$b_new" "$b_old")" "(<= 1.05)"
row "cold virtc run -- true" "$c_new ms" "$c_old ms" "$(ratio "$c_new" "$c_old")" "(<= 1.05)"
row "guest memory used by an idle sandbox (MemTotal-MemFree)" "$(( used_new / 1024 )) MiB" "$(( used_old / 1024 )) MiB" \
  "$(ratio "$used_new" "$used_old")" "$(diff_kb "$used_new" "$used_old") (<= +2 MiB with the next row)"
row "guest memory the kernel keeps (256 MiB - MemTotal)" "$(( (262144 - total_new) / 1024 )) MiB" \
  "$(( (262144 - total_old) / 1024 )) MiB" "" "$(diff_kb "$(( 262144 - total_new ))" "$(( 262144 - total_old ))")"
row "host PSS of an idle sandbox's QEMU" "$(( pss_new / 1024 )) MiB" "$(( pss_old / 1024 )) MiB" \
  "$(ratio "$pss_new" "$pss_old")" "$(diff_kb "$pss_new" "$pss_old")"
echo "runs (ms): bare [${bare_new[*]}] vs [${bare_old[*]}]  cold [${cold_new[*]}] vs [${cold_old[*]}]"

#!/usr/bin/env bash
# Start-up, exec latency and memory of a sandbox, measured side by side with a
# bare QEMU boot of the same kernel (the floor on this machine).
#   bench/run.sh [RUNS]     (default 5; needs root and a build: scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
build=$PWD/build
virtc=$build/bin/virtc
for need in "$virtc" "$build/bin/vc-bench-init" "$build/guest/vmlinuz" "$build/guest/initramfs.cpio"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/build.sh" >&2; exit 1; }
done

work=$(mktemp -d /tmp/vc-bench.XXXXXX)
root=$work/root
cleanup() {
  "$virtc" --root "$root" sandbox stop --id bench >/dev/null 2>&1 || true
  "$virtc" --root "$root" sandbox delete --id bench >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
bash scripts/make-rootfs.sh "$work/rootfs"

# Floor initramfs: only an init that powers off.
mkdir -p "$work/floor"
cp "$build/bin/vc-bench-init" "$work/floor/init"
(cd "$work/floor" && echo init | cpio --quiet -o -H newc -R 0:0) >"$work/floor.cpio"

accel=tcg
[ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] && accel=kvm
cpu=max; [ "$accel" = kvm ] && cpu=host

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

bare=() ours=()
for i in $(seq "$runs"); do
  t0=$(now_ms)
  qemu-system-x86_64 -machine "q35,accel=$accel" -cpu "$cpu" -m 256 -smp 1 -nodefaults -no-user-config \
    -display none -no-reboot -kernel "$build/guest/vmlinuz" -initrd "$work/floor.cpio" \
    -append "console=ttyS0 quiet panic=-1" -serial null
  bare+=($(( $(now_ms) - t0 )))
  t0=$(now_ms)
  "$virtc" --root "$root" run --rootfs "$work/rootfs" -- true
  ours+=($(( $(now_ms) - t0 )))
done
bare_ms=$(printf '%s\n' "${bare[@]}" | median)
ours_ms=$(printf '%s\n' "${ours[@]}" | median)

# A running sandbox for exec latency and memory.
"$virtc" --root "$root" sandbox run --id bench --rootfs "$work/rootfs" -- sleep 100000 >/dev/null
enter=()
for i in $(seq $((runs * 2))); do
  t0=$(now_ms)
  "$virtc" --root "$root" container enter --sandbox bench --id main -- true
  enter+=($(( $(now_ms) - t0 )))
done
enter_ms=$(printf '%s\n' "${enter[@]}" | median)

pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
dir=$root/sbs/bench
qemu_pid=$(pgrep -f -- "-name sandbox-bench" | head -1)
sup_pid=$(pgrep -f -- "vc-supervisor --root $root --sandbox bench" | head -1)
vfs_pids=$(pgrep -f -- "virtiofsd --socket-path=$dir/" || true)
qemu_pss=$(pss_kb "$qemu_pid")
sup_pss=$(pss_kb "$sup_pid")
vfs_pss=0
for p in $vfs_pids; do vfs_pss=$(( vfs_pss + $(pss_kb "$p") )); done
agent_rss=$("$virtc" --root "$root" sandbox status --id bench --json | sed -n 's/.*"agent_rss_bytes": \([0-9]*\).*/\1/p')

echo "accelerator: $accel   runs: $runs   (medians)"
echo "bare QEMU boot to a trivial init:      ${bare_ms} ms   [${bare[*]}]"
echo "virtc run --rootfs R -- true (cold):   ${ours_ms} ms   [${ours[*]}]"
awk -v a="$ours_ms" -v b="$bare_ms" 'BEGIN {printf "ratio run/bare:                        %.2f\n", a / b}'
echo "exec latency (virtc container enter -- true): ${enter_ms} ms   [${enter[*]}]"
echo "host PSS: qemu $((qemu_pss / 1024)) MiB, virtiofsd $((vfs_pss / 1024)) MiB, vc-supervisor $((sup_pss / 1024)) MiB, total $(( (qemu_pss + vfs_pss + sup_pss) / 1024 )) MiB"
echo "agent RSS in the guest: $(( agent_rss / 1024 )) KiB"

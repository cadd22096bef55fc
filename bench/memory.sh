#!/usr/bin/env bash
# Where an idle sandbox's host memory goes, component by component: starts N
# sandboxes (cold, or from the VM template with --template), each running
# `sleep`, waits until they have idled W seconds, then splits each sandbox's
# proportional set size (PSS: shared pages divided among their users) by
# process and, for QEMU, by mapping (/proc/PID/smaps):
#   guest RAM       the guest's memory (QEMU's memfd backend, or the template's file)
#   kernel file     the guest kernel file QEMU maps (page cache, shared by every QEMU)
#   initramfs       the initramfs file QEMU maps (the same)
#   TCG code        translated guest code (rwx mappings; none under KVM)
#   QEMU heap       [heap] and anonymous memory (malloc arenas, thread stacks, device state)
#   QEMU program    qemu-system-x86_64 and its libraries (shared by every QEMU)
# and the whole of virtiofsd and the supervisor. Means over the N sandboxes, in MiB.
#   bench/memory.sh [N] [W] [--template]   (default 3 sandboxes, 30 s; needs root and a build)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
idle=${2:-30}
mode=${3:-}
build=$PWD/build
virtc=$build/bin/virtc
[ -x "$virtc" ] || { echo "missing $virtc: run scripts/build.sh" >&2; exit 1; }
opts=(); [ "$mode" != --template ] || opts=(--template)

work=$(mktemp -d /tmp/vc-memory.XXXXXX)
root=$work/root
source bench/lib.sh
trap remove_sandboxes_and_work EXIT
bash scripts/make-rootfs.sh "$work/rootfs"
[ "$mode" != --template ] || "$virtc" --root "$root" factory init >/dev/null

for i in $(seq "$n"); do
  "$virtc" --root "$root" "${opts[@]}" sandbox run --id "m$i" --rootfs "$work/rootfs" -- sleep 100000 >/dev/null
done
echo "memory: $n sandboxes ${mode:-cold} running; idling ${idle} s"
sleep "$idle"

# PSS in kB of a whole process.
pss() { awk '/^Pss:/ {s += $2} END {print s + 0}' "/proc/$1/smaps"; }
# QEMU's PSS in kB by kind of mapping, as "guest kernel initramfs tcg heap program".
qemu_split() {
  awk -v kernel="$2" '
    /^[0-9a-f]+-[0-9a-f]+ / { perm = $2; name = $6; kind = "program"
      if (name ~ /^\/memfd:|template|memory/) kind = "guest"
      else if (name == kernel) kind = "kernel"
      else if (name ~ /initramfs/) kind = "initramfs"
      else if (perm ~ /x/ && name == "") kind = "tcg"
      else if (name == "" || name ~ /^\[(heap|stack)/) kind = "heap"
      next }
    /^Pss:/ { s[kind] += $2 }
    END { printf "%d %d %d %d %d %d\n", s["guest"], s["kernel"], s["initramfs"], s["tcg"], s["heap"], s["program"] }
  ' "/proc/$1/smaps"
}

kernel=$build/guest/vmlinux
totals=(0 0 0 0 0 0 0 0)
for i in $(seq "$n"); do
  qemu=$("$virtc" --root "$root" sandbox status --id "m$i" --json | jq -r .hypervisor_pid)
  supervisor=$(awk '/^PPid:/ {print $2}' "/proc/$qemu/status")
  virtiofsd=0
  for child in $(pgrep -P "$supervisor" virtiofsd || true); do
    virtiofsd=$((virtiofsd + $(pss "$child")))
    for grandchild in $(pgrep -P "$child" || true); do virtiofsd=$((virtiofsd + $(pss "$grandchild"))); done
  done
  read -r -a split <<<"$(qemu_split "$qemu" "$kernel")"
  values=("${split[@]}" "$virtiofsd" "$(pss "$supervisor")")
  for k in "${!values[@]}"; do totals[k]=$((totals[k] + values[k])); done
done
names=("guest RAM" "kernel file" "initramfs" "TCG code" "QEMU heap" "QEMU program" "virtiofsd" "supervisor")
sum=0
printf '%-14s %8s\n' component "MiB"
for k in "${!names[@]}"; do
  printf '%-14s %8.1f\n' "${names[k]}" "$(awk -v t="${totals[k]}" -v n="$n" 'BEGIN {print t / n / 1024}')"
  sum=$((sum + totals[k]))
done
printf '%-14s %8.1f\n' total "$(awk -v t="$sum" -v n="$n" 'BEGIN {print t / n / 1024}')"

#!/usr/bin/env bash
# How many idle sandboxes this machine holds: starts N sandboxes from a VM
# template (or cold with --cold), all alive at once, then times `exec true`
# in each. Prints the host's memory and load with them all running.
#   bench/density.sh [N] [--cold]   (default 100; needs root and a build)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
mode=${2:---template}
build=$PWD/build
virtc=$build/bin/virtc
[ -x "$virtc" ] || { echo "missing $virtc: run scripts/build.sh" >&2; exit 1; }
opts=(); [ "$mode" = --cold ] || opts=(--template)

work=$(mktemp -d /tmp/vc-density.XXXXXX)
root=$work/root
source bench/lib.sh
trap remove_sandboxes_and_work EXIT
bash scripts/make-rootfs.sh "$work/rootfs"
[ "$mode" = --cold ] || "$virtc" --root "$root" factory init >/dev/null

avail_kb() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
before=$(avail_kb)
t0=$(date +%s)
for i in $(seq "$n"); do
  "$virtc" --root "$root" "${opts[@]}" sandbox run --id "d$i" --rootfs "$work/rootfs" -- sleep 100000 >/dev/null
  [ $((i % 10)) -ne 0 ] || echo "density: $i sandboxes running ($(( $(date +%s) - t0 )) s)"
done
sleep 10
after=$(avail_kb)
slow=0 worst=0
for i in $(seq "$n"); do
  s=$(date +%s%N)
  "$virtc" --root "$root" container enter --sandbox "d$i" --id main -- true
  ms=$(( ($(date +%s%N) - s) / 1000000 ))
  [ "$ms" -le "$worst" ] || worst=$ms
  [ "$ms" -lt 5000 ] || slow=$((slow + 1))
done
echo "sandboxes alive at once: $n ($mode)   started in $(( $(date +%s) - t0 )) s"
echo "host memory used by them: $(( (before - after) / 1024 )) MiB ($(( (before - after) / n / 1024 )) MiB each)"
echo "exec true in each: slowest ${worst} ms; ${slow} of $n over 5 s"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

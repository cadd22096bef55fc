#!/usr/bin/env bash
# Pod networking (tcfilter: tap + tc redirect) measured side by side with a
# plain network namespace on the same bridge (what runc's containers see):
# TCP throughput to an iperf3 server on the bridge, ping round-trip time, and
# what --netns adds to the start-up of `virtc run`.
#   bench/network.sh [RUNS]     (default 3; needs root, iperf3 and a build)
#
# Everything runs in a network namespace of the bench's own (it re-executes
# itself under `unshare -n`); traffic only goes to addresses in there:
#   bench ns:  br0 10.98.0.1/24, iperf3 server on 10.98.0.1:5201
#   vm pod:    eth0 10.98.0.2/24, taken over by a sandbox's VM
#   base pod:  eth0 10.98.0.3/24, iperf3/ping run with `ip netns exec`
#   run pod:   eth0 10.98.0.4/24, for `virtc run --netns`
set -euo pipefail
if [ -z "${VC_BENCH_NET_UNSHARED:-}" ]; then
  exec env VC_BENCH_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
cd "$(dirname "$0")/.."
runs=${1:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/network.sh [RUNS]" >&2; exit 2; }
build=$PWD/build
virtc_bin=$build/bin/virtc
for need in "$virtc_bin" "$build/bin/vc-supervisor" "$build/guest/vmlinux" "$build/guest/initramfs.cpio"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/build.sh" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "iperf3 missing (apt-get install iperf3)" >&2; exit 1; }
# Debian's busybox-static 1.35: ping is there even where the host has none.
# (Its wget crashes with -T; nothing here uses it.)
BUSYBOX=/bin/busybox
PY=/usr/bin/python3

work=$(mktemp -d /tmp/vc-bench-net.XXXXXX)
root=$work/root
rootfs=$work/rootfs
POD_VM=vcbvm-$$ POD_BASE=vcbbase-$$ POD_RUN=vcbrun-$$
SB=netbench
SERVER=10.98.0.1 PORT=5201
iperf_pid=""
virtc() { "$virtc_bin" --root "$root" "$@"; }

cleanup() {
  local rc=$? sb
  # Sandboxes before the namespaces they sit in.
  for sb in "$root"/sbs/*/; do
    [ -d "$sb" ] || continue
    virtc sandbox stop --id "$(basename "$sb")" >/dev/null 2>&1 || true
    virtc sandbox delete --id "$(basename "$sb")" >/dev/null 2>&1 || true
  done
  if [ -n "$iperf_pid" ]; then kill "$iperf_pid" 2>/dev/null || true; wait "$iperf_pid" 2>/dev/null || true; fi
  for ns in "$POD_VM" "$POD_BASE" "$POD_RUN"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM

# Container rootfs: busybox plus iperf3 with its libraries at the host's paths.
bash scripts/make-rootfs.sh "$rootfs"
copy_in() {  # host path -> same path in the rootfs, links followed
  mkdir -p "$rootfs$(dirname "$1")"
  cp -L "$1" "$rootfs$1"
}
copy_in /usr/bin/iperf3
for lib in $(ldd /usr/bin/iperf3 | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
  copy_in "$lib"
done

# The bridge and the pods, as CNI's bridge plugin leaves them.
ip link set lo up
ip link add br0 type bridge
ip addr add "$SERVER/24" dev br0
ip link set br0 up
make_pod() {  # name address
  ip netns add "$1"
  ip link add "v-$1" type veth peer name eth0 netns "$1"
  ip link set "v-$1" master br0 up
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$2/24" dev eth0
  ip -n "$1" link set eth0 up
  ip -n "$1" route add default via "$SERVER"
}
make_pod "$POD_VM" 10.98.0.2
make_pod "$POD_BASE" 10.98.0.3
make_pod "$POD_RUN" 10.98.0.4

# One iperf3 server for all tests (it serves them one after the other).
iperf3 -s -B "$SERVER" -p "$PORT" >/dev/null 2>&1 &
iperf_pid=$!
for _ in $(seq 50); do
  ss -ltn "sport = :$PORT" | grep -q LISTEN && break
  sleep 0.1
done
ss -ltn "sport = :$PORT" | grep -q LISTEN || { echo "iperf3 server did not start" >&2; exit 1; }

accel=tcg
[ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] && accel=kvm

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# iperf3 -J on stdin -> Mbit/s received by the server; its error otherwise.
mbits() {
  "$PY" -c '
import json, sys
r = json.load(sys.stdin)
if "error" in r:
    sys.exit("iperf3: " + r["error"])
print("%.1f" % (r["end"]["sum_received"]["bits_per_second"] / 1e6))'
}
# busybox ping output on stdin -> one rtt (ms) per reply.
rtts() { sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p'; }

# --- 3. start-up cost of --netns (first: nothing else running) -------------
# One unmeasured run warms the page cache; then the two kinds alternate which
# goes first, so neither always pays for the other's leftovers.
virtc run --rootfs "$rootfs" -- true
plain=() withnet=()
time_run() {  # array-name virtc-run-args...
  local -n into=$1; shift
  local t0
  t0=$(now_ms)
  virtc run "$@" --rootfs "$rootfs" -- true
  into+=($(( $(now_ms) - t0 )))
}
for i in $(seq "$runs"); do
  if (( i % 2 )); then
    time_run plain; time_run withnet --netns "/var/run/netns/$POD_RUN"
  else
    time_run withnet --netns "/var/run/netns/$POD_RUN"; time_run plain
  fi
done
plain_ms=$(printf '%s\n' "${plain[@]}" | median)
withnet_ms=$(printf '%s\n' "${withnet[@]}" | median)

# --- 1. and 2. a sandbox in the vm pod vs. the base pod --------------------
virtc sandbox run --id "$SB" --netns "/var/run/netns/$POD_VM" --rootfs "$rootfs" -- sleep 100000 >/dev/null
in_vm() { virtc container enter --sandbox "$SB" --id main -- "$@"; }
in_base() { ip netns exec "$POD_BASE" "$@"; }
# Wait for the guest's network (and the bridge's forwarding) to be ready.
for _ in $(seq 30); do
  in_vm ping -c 1 -W 2 "$SERVER" >/dev/null 2>&1 && break
  sleep 0.5
done
in_vm ping -c 1 -W 2 "$SERVER" >/dev/null || { echo "the sandbox cannot reach $SERVER" >&2; exit 1; }
in_base $BUSYBOX ping -c 1 -W 2 "$SERVER" >/dev/null

iperf_args=(-c "$SERVER" -p "$PORT" -t 5 -J)
tp_vm=() tp_base=() rtt_vm=() rtt_base=()
for i in $(seq "$runs"); do
  tp_base+=("$(in_base iperf3 "${iperf_args[@]}" | mbits)")
  tp_vm+=("$(in_vm /usr/bin/iperf3 "${iperf_args[@]}" | mbits)")
  rtt_base+=($(in_base $BUSYBOX ping -c 20 -i 0.2 "$SERVER" | rtts))
  rtt_vm+=($(in_vm ping -c 20 -i 0.2 "$SERVER" | rtts))
done
tp_vm_med=$(printf '%s\n' "${tp_vm[@]}" | median)
tp_base_med=$(printf '%s\n' "${tp_base[@]}" | median)
rtt_vm_med=$(printf '%s\n' "${rtt_vm[@]}" | median)
rtt_base_med=$(printf '%s\n' "${rtt_base[@]}" | median)
avg() { awk '{s+=$1} END {if (NR) printf "%.3f", s/NR; else print "nan"}'; }
rtt_vm_avg=$(printf '%s\n' "${rtt_vm[@]}" | avg)
rtt_base_avg=$(printf '%s\n' "${rtt_base[@]}" | avg)

virtc sandbox stop --id "$SB" >/dev/null
virtc sandbox delete --id "$SB" >/dev/null

# --- table ------------------------------------------------------------------
echo "accelerator: $accel   runs: $runs   (medians; ratio = VM / baseline)"
printf '%-36s %14s %14s %10s\n' "" "VM (tcfilter)" "plain netns" "ratio"
awk -v a="$tp_vm_med" -v b="$tp_base_med" \
  'BEGIN {printf "%-36s %14.1f %14.1f %10.4f\n", "TCP to bridge, Mbit/s (iperf3 -t 5)", a, b, a / b}'
awk -v a="$rtt_vm_med" -v b="$rtt_base_med" \
  'BEGIN {printf "%-36s %14.3f %14.3f %10.1f\n", "ping rtt median, ms (" '"${#rtt_vm[@]}"' " replies)", a, b, a / b}'
awk -v a="$rtt_vm_avg" -v b="$rtt_base_avg" \
  'BEGIN {printf "%-36s %14.3f %14.3f %10.1f\n", "ping rtt mean, ms", a, b, a / b}'
echo "  throughput per round: VM [${tp_vm[*]}]  baseline [${tp_base[*]}] Mbit/s"
printf '%-36s %14s %14s %10s\n' "" "--netns" "no network" "difference"
printf '%-36s %14s %14s %10s\n' "virtc run --rootfs R -- true, ms" "$withnet_ms" "$plain_ms" "$(( withnet_ms - plain_ms ))"
echo "  per round: --netns [${withnet[*]}]  without [${plain[*]}] ms"

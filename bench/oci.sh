#!/usr/bin/env bash
# Cost of the OCI spec in the guest: create+start of a container with a
# typical containerd spec (containerd's default seccomp profile, 10 bind
# mounts as a CRI pod has: hosts, resolv.conf, hostname and 7 volumes) next
# to a minimal one (runc's default spec), in one running sandbox, side by
# side with runc doing the same on the host.
#   bench/oci.sh [RUNS]     (default 5; needs root and a build: scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
build=$PWD/build
virtc=$build/bin/virtc
for need in "$virtc" "$build/guest/vmlinux" "$build/guest/initramfs.cpio"; do
  [ -e "$need" ] || { echo "missing $need: run scripts/build.sh" >&2; exit 1; }
done
for tool in containerd ctr runc jq; do
  command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/setup.sh" >&2; exit 1; }
done

work=$(mktemp -d /tmp/vc-bench-oci.XXXXXX)
root=$work/root
source scripts/private-containerd.sh
cleanup() {
  ctd_stop
  for id in $(runc --root "$work/runc" list -q 2>/dev/null); do runc --root "$work/runc" delete -f "$id" || true; done
  "$virtc" --root "$root" sandbox stop --id bench >/dev/null 2>&1 || true
  "$virtc" --root "$root" sandbox delete --id bench >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
bash scripts/make-rootfs.sh "$work/rootfs" >/dev/null

# containerd's default seccomp profile, as `ctr run --seccomp` writes it into
# a bundle (generated here, not kept).
ctd_start "$work/containerd" "$build/bin" >/dev/null
bash scripts/make-oci-image.sh "$work/rootfs" "$work/image.tar" docker.io/library/vc-busybox:latest >/dev/null
ctd_import "$work/image.tar"
ctd_ctr run -d --seccomp --runtime io.containerd.runc.v2 docker.io/library/vc-busybox:latest profile sleep 1000 >/dev/null
jq .linux.seccomp "$work/containerd/state/io.containerd.runtime.v2.task/default/profile/config.json" >"$work/seccomp.json"
ctd_ctr task kill -s KILL profile >/dev/null
sleep 0.5
ctd_stop

mkdir -p "$work/minimal" "$work/typical" "$work/vols"
(cd "$work/minimal" && runc spec)
jq --arg r "$work/rootfs" '.process.terminal = false | .root.path = $r | .root.readonly = false
  | .process.args = ["true"]' "$work/minimal/config.json" >"$work/minimal/c" && mv "$work/minimal/c" "$work/minimal/config.json"
for f in hosts resolv.conf hostname; do echo "$f" >"$work/vols/$f"; done
mounts='[]'
for f in hosts resolv.conf hostname; do
  mounts=$(jq --arg s "$work/vols/$f" --arg d "/etc/$f" '. + [{destination: $d, type: "bind", source: $s, options: ["rbind", "rprivate", "rw"]}]' <<<"$mounts")
done
for i in $(seq 7); do
  mkdir -p "$work/vols/v$i"
  mounts=$(jq --arg s "$work/vols/v$i" --arg d "/data/v$i" '. + [{destination: $d, type: "bind", source: $s, options: ["rbind", "rprivate", "ro"]}]' <<<"$mounts")
done
jq --slurpfile sc "$work/seccomp.json" --argjson m "$mounts" '.mounts += $m | .linux.seccomp = $sc[0]' \
  "$work/minimal/config.json" >"$work/typical/config.json"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

"$virtc" --root "$root" sandbox run --id bench --rootfs "$work/rootfs" -- sleep 100000 >/dev/null
declare -A vc rc
for kind in minimal typical; do
  vc[$kind]="" rc[$kind]=""
  for i in $(seq "$runs"); do
    t0=$(now_ms)
    "$virtc" --root "$root" container create --sandbox bench --id "$kind$i" --bundle "$work/$kind" >/dev/null
    "$virtc" --root "$root" container start --sandbox bench --id "$kind$i" >/dev/null
    vc[$kind]+="$(( $(now_ms) - t0 )) "
    "$virtc" --root "$root" container delete --sandbox bench --id "$kind$i" >/dev/null 2>&1 ||
      { sleep 0.3; "$virtc" --root "$root" container delete --sandbox bench --id "$kind$i" >/dev/null; }
    t0=$(now_ms)
    runc --root "$work/runc" create -b "$work/$kind" "$kind$i" </dev/null >/dev/null
    runc --root "$work/runc" start "$kind$i"
    rc[$kind]+="$(( $(now_ms) - t0 )) "
    sleep 0.1
    runc --root "$work/runc" delete -f "$kind$i"
  done
done

accel=tcg
[ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] && accel=kvm
m() { tr ' ' '\n' <<<"$1" | grep . | median; }
echo "accelerator: $accel   runs: $runs   (medians; container create + start in a running sandbox)"
echo "                         virtc        runc"
for kind in minimal typical; do
  printf '%-24s %5d ms     %5d ms   [virtc %s] [runc %s]\n' "$kind spec" "$(m "${vc[$kind]}")" "$(m "${rc[$kind]}")" "${vc[$kind]}" "${rc[$kind]}"
done
awk -v t="$(m "${vc[typical]}")" -v n="$(m "${vc[minimal]}")" 'BEGIN {printf "typical/minimal under virtc: %.2f\n", t / n}'
awk -v t="$(m "${rc[typical]}")" -v n="$(m "${rc[minimal]}")" 'BEGIN {printf "typical/minimal under runc:  %.2f\n", t / n}'

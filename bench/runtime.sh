#!/usr/bin/env bash
# vc-runtime next to runc, one-shot containers through each caller: `run` of
# a bundle, `podman run --rm`, `docker run --rm` (a private dockerd), each
# running `true`; medians in ms and the ratio to runc. Everything runs in a
# network namespace of its own (docker's bridge stays there).
#   bench/runtime.sh [RUNS]   (default 5; needs root and a build: scripts/build.sh)
set -euo pipefail
if [ -z "${VC_BENCH_NETNS:-}" ]; then
  VC_BENCH_NETNS=1 exec unshare -n bash "$0" "$@"
fi
cd "$(dirname "$0")/.."
runs=${1:-5}
build=$PWD/build
vcr_bin=$build/bin/vc-runtime
[ -x "$vcr_bin" ] || { echo "missing $vcr_bin: run scripts/build.sh" >&2; exit 1; }
for tool in runc podman dockerd /usr/bin/docker jq; do
  command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/setup.sh" >&2; exit 1; }
done
ip link set lo up

# Short: the VMs' sockets go under it, with 64-character ids (podman, docker).
work=$(mktemp -d /tmp/vcb.XXXXXX)
dockerd_pid=""
cleanup() {
  [ -n "$dockerd_pid" ] && kill "$dockerd_pid" 2>/dev/null && sleep 2
  pkill -9 -f -- "$work" 2>/dev/null || true
  grep -F "$work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bash scripts/make-rootfs.sh "$work/rootfs" >/dev/null
printf '[runtime]\nstate_root = "%s/vm"\n' "$work" >"$work/vc.toml"
vcr=("$vcr_bin" --root "$work/vcr" --config "$work/vc.toml")
printf '#!/bin/sh\nexec %q --root %q --config %q "$@"\n' "$vcr_bin" "$work/vcr" "$work/vc.toml" >"$work/vc-runtime"
chmod +x "$work/vc-runtime"

# A bundle running `true`.
mkdir -p "$work/bundle"
(cd "$work/bundle" && runc spec)
jq --arg r "$work/rootfs" '.root.path = $r | .process.terminal = false | .process.args = ["true"]' \
  "$work/bundle/config.json" >"$work/bundle/c.json" && mv "$work/bundle/c.json" "$work/bundle/config.json"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
# time_it NAME COMMAND...: runs it $runs times (output dropped); records the median.
declare -A med all
time_it() {
  local name=$1; shift
  local t0 xs=()
  for i in $(seq "$runs"); do
    t0=$(now_ms)
    "$@" </dev/null >/dev/null 2>&1 || { echo "bench: '$*' failed" >&2; exit 1; }
    xs+=($(( $(now_ms) - t0 )))
  done
  med[$name]=$(printf '%s\n' "${xs[@]}" | median)
  all[$name]="${xs[*]}"
}

n=0
bundle_run() { n=$((n + 1)); "$@" run -b "$work/bundle" "b$n"; }
time_it "run (bundle), runc" bundle_run runc --root "$work/runc"
time_it "run (bundle), vc-runtime" bundle_run "${vcr[@]}"

podman=(podman --root "$work/storage" --runroot "$work/run" --tmpdir "$work/libpod"
        --storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
image=localhost/vc-bench:latest
bash scripts/make-oci-image.sh "$work/rootfs" "$work/image.tar" "$image"
"${podman[@]}" load -q -i "$work/image.tar" >/dev/null
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
time_it "podman run --rm, runc" "${podman[@]}" --runtime runc run --rm "${limits[@]}" --network none "$image" true
time_it "podman run --rm, vc-runtime" "${podman[@]}" --runtime "$work/vc-runtime" run --rm "${limits[@]}" --network none "$image" true

printf '{"runtimes": {"vc": {"path": "%s", "runtimeArgs": ["--config", "%s"]}}}\n' "$vcr_bin" "$work/vc.toml" >"$work/daemon.json"
dockerd --data-root "$work/docker" --exec-root "$work/dexec" -H "unix://$work/docker.sock" --pidfile "$work/docker.pid" \
  --storage-driver vfs --config-file "$work/daemon.json" >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
docker=(/usr/bin/docker -H "unix://$work/docker.sock")
for _ in $(seq 100); do "${docker[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
tar -C "$work/rootfs" -c . | "${docker[@]}" import - vc-bench:latest >/dev/null
time_it "docker run --rm, runc" "${docker[@]}" run --rm --network none vc-bench:latest true
time_it "docker run --rm, vc-runtime" "${docker[@]}" run --rm --runtime vc --network none vc-bench:latest true

echo "accelerator: $([ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] && echo kvm || echo tcg)   runs: $runs   (medians, ms)"
for caller in "run (bundle)" "podman run --rm" "docker run --rm"; do
  r=${med[$caller, runc]} v=${med[$caller, vc-runtime]}
  printf '%-18s runc %6d   vc-runtime %6d   ratio %5.1fx   [runc: %s] [vc: %s]\n' "$caller" "$r" "$v" \
    "$(echo "$v $r" | awk '{print $1 / ($2 ? $2 : 1)}')" "${all[$caller, runc]}" "${all[$caller, vc-runtime]}"
done

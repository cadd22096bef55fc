#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input with libFuzzer, ASan and UBSan:
# ttRPC frames (from the guest or a client), OCI specs, persisted sandbox
# state, the TOML configuration, QEMU's QMP answers and the guest agent's
# requests (fuzz/<target>.cc). Builds them with clang
# in build-fuzz/ (the first time: the library's objects, about 15 minutes on
# 2 cores), runs each target for SECONDS from its seed corpus, and prints
# executions and coverage per target. A crash stops with its input saved in
# build-fuzz/crashes/; fix it and keep the input in fuzz/corpus/<target>/,
# which the regular test suite replays (ctest -R fuzz.).
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s, all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ttrpc_frame oci_spec state_record config_toml qmp_reply agent_request)
command -v clang++-16 >/dev/null || { echo "fuzz.sh: clang++-16 missing: run scripts/setup.sh" >&2; exit 1; }

out=build-fuzz
if [ ! -f "$out/build.ninja" ]; then
  CXX=clang++-16 cmake -S . -B "$out" -G Ninja -DVC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
echo "fuzz.sh: building ${targets[*]} with clang (libFuzzer, ASan, UBSan)"
ninja -C "$out" "${targets[@]/#/vc-fuzz-}"

mkdir -p "$out/crashes"
results=()
for t in "${targets[@]}"; do
  corpus=$out/corpus/$t
  mkdir -p "$corpus"
  cp -n fuzz/corpus/"$t"/* "$corpus"/
  echo "fuzz.sh: $t for $seconds s"
  rc=0
  "$out/bin/vc-fuzz-$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes/$t-" "$corpus" >"$out/$t.log" 2>&1 || rc=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$out/$t.log")
  cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1 | awk '{print $2}')
  features=$(grep -o 'ft: [0-9]*' "$out/$t.log" | tail -1 | awk '{print $2}')
  results+=("$(printf '%-14s %10s %8s %9s %8s  %s' "$t" "${execs:-?}" "${cov:-?}" "${features:-?}" \
    "$(ls "$corpus" | wc -l)" "$([ "$rc" = 0 ] && echo ok || echo "CRASH (rc $rc): $(sed -n 's/.*Test unit written to //p' "$out/$t.log" | head -1)")")")
  if [ "$rc" != 0 ]; then tail -n 30 "$out/$t.log"; fi
done
printf '%-14s %10s %8s %9s %8s  %s\n' target executions edges features corpus result
printf '%s\n' "${results[@]}"
! printf '%s\n' "${results[@]}" | grep -q CRASH

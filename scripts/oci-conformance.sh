#!/usr/bin/env bash
# The OCI runtime-tools validation suite against runc and vc-runtime, side by
# side: builds the suite (Debian's golang-go, vendored modules, offline) into
# the build directory, runs every validation program under each runtime and
# prints one table. Run as root after scripts/build.sh:
#   scripts/oci-conformance.sh [RUNTIME_TOOLS_DIR]
# RUNTIME_TOOLS_DIR defaults to ../shared/peer/runtime-tools beside the source
# tree. TESTS="create kill" picks some tests. Each runtime keeps its state in
# a directory of its own, removed at the end.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${VC_BUILD:-$src/build}
suite=${1:-$src/../shared/peer/runtime-tools}
vcr_bin=$build/bin/vc-runtime

[ "$(id -u)" = 0 ] || { echo "oci-conformance: run as root (containers, VMs)" >&2; exit 1; }
[ -d "$suite/validation" ] || { echo "oci-conformance: no runtime-tools source at $suite" >&2; exit 1; }
[ -x "$vcr_bin" ] || { echo "oci-conformance: missing $vcr_bin: run scripts/build.sh first" >&2; exit 1; }
for tool in go runc; do
  command -v "$tool" >/dev/null || { echo "oci-conformance: $tool missing: run scripts/setup.sh" >&2; exit 1; }
done

out=$build/runtime-tools
mkdir -p "$out/bin"
export GOFLAGS=-mod=vendor GOCACHE=$out/cache GOPATH=$out/gopath GOTOOLCHAIN=local
echo "oci-conformance: building the suite from $suite into $out/bin"
(cd "$suite" &&
  CGO_ENABLED=0 go build -tags "netgo osusergo" -o "$out/bin/runtimetest" ./cmd/runtimetest &&
  go build -o "$out/bin/" ./validation/...)

work=$(mktemp -d /tmp/vc-conformance.XXXXXX)
cleanup() {
  local id
  for id in $("$vcr_bin" --root "$work/vc" list -q 2>/dev/null); do
    "$vcr_bin" --root "$work/vc" --config "$work/vc.toml" delete -f "$id" >/dev/null 2>&1 || true
  done
  for id in $(runc --root "$work/runc" list -q 2>/dev/null); do runc --root "$work/runc" delete -f "$id" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# The programs look for the rootfs tarball and runtimetest in their directory.
cp "$suite/rootfs-amd64.tar.gz" "$out/bin/runtimetest" "$work/"
printf '[runtime]\nstate_root = "%s/vc"\n' "$work" >"$work/vc.toml"
printf '#!/bin/sh\nexec runc --root %q "$@"\n' "$work/runc" >"$work/runc.sh"
printf '#!/bin/sh\nexec %q --root %q --config %q "$@"\n' "$vcr_bin" "$work/vc" "$work/vc.toml" >"$work/vc-runtime.sh"
chmod +x "$work/runc.sh" "$work/vc-runtime.sh"

tests=${TESTS:-$(cd "$out/bin" && ls | grep -v '^runtimetest$')}
mkdir -p "$work/tap"
# result RUNTIME TEST: "pass", "fail N/M" (N of M checks failed), or "error"
# (the program failed before it reported checks).
result() {
  local tap=$work/tap/$2.$1 rc=0
  (cd "$work" && RUNTIME="$work/$1.sh" timeout 300 "$out/bin/$2") >"$tap" 2>&1 || rc=$?
  local ok notok
  ok=$(grep -c '^ok' "$tap" || true)
  notok=$(grep -c '^not ok' "$tap" || true)
  if [ "$notok" -gt 0 ]; then echo "fail $notok/$((ok + notok))"
  elif [ "$rc" -ne 0 ] || [ "$ok" -eq 0 ]; then echo "error"
  else echo "pass"; fi
}

printf '%-32s %-12s %-12s\n' TEST runc vc-runtime
declare -A count
worse=()
for t in $tests; do
  r=$(result runc "$t")
  v=$(result vc-runtime "$t")
  printf '%-32s %-12s %-12s\n' "$t" "$r" "$v"
  count[runc ${r%% *}]=$(( ${count[runc ${r%% *}]:-0} + 1 ))
  count[vc ${v%% *}]=$(( ${count[vc ${v%% *}]:-0} + 1 ))
  [ "$r" = pass ] && [ "$v" != pass ] && worse+=("$t")
done
echo
for rt in runc vc; do
  echo "$rt: ${count[$rt pass]:-0} pass, ${count[$rt fail]:-0} fail, ${count[$rt error]:-0} error"
done
if [ ${#worse[@]} -gt 0 ]; then
  echo "passed by runc, not by vc-runtime: ${worse[*]}"
  for t in "${worse[@]}"; do
    echo "--- $t under vc-runtime ---"
    grep -A12 -E '^not ok' "$work/tap/$t.vc-runtime" | head -40 || tail -n 20 "$work/tap/$t.vc-runtime"
  done
fi
left=$(pgrep -af -- "$work" || true)
[ -z "$left" ] || echo "oci-conformance: left running: $left"

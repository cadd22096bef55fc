# Shared setup of the vc-runtime tests (sourced after lib.sh): the binary,
# a configuration that keeps the VMs under the test's $ROOT (the leftover
# checks look there), vcr (vc-runtime with its entries under $ROOT too), and
# $VCR, an executable wrapper of the same for engines that take a runtime path.
VCR_BIN="$VC_BUILD/bin/vc-runtime"
[ -x "$VCR_BIN" ] || fail "missing $VCR_BIN: build the project first (scripts/build.sh)"
VCR_CONFIG="$WORK/vc-runtime.toml"
printf '%s\n[runtime]\nstate_root = "%s"\n' "$HYPERVISOR_TOML" "$ROOT" >"$VCR_CONFIG"
vcr() { "$VCR_BIN" --root "$ROOT" --config "$VCR_CONFIG" "$@"; }
VCR="$WORK/vc-runtime"
printf '#!/bin/sh\nexec %q --root %q --config %q "$@"\n' "$VCR_BIN" "$ROOT" "$VCR_CONFIG" >"$VCR"
chmod +x "$VCR"

# on_terminal COMMAND: runs the shell command line COMMAND on a 27x91
# pseudo-terminal (script); prints its output without CRs and NULs (the
# engines send a NUL on attach; its echo ^@ lands wherever timing puts it),
# then "status N" with COMMAND's exit status.
on_terminal() {
  script -eqc "stty cols 91 rows 27; $1" /dev/null </dev/null | tr -d '\r\0' | sed 's/\^@//g'
  echo "status ${PIPESTATUS[0]}"
}

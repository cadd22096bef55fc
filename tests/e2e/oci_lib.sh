# Differential tests of the OCI spec: the same bundle runs under runc and
# under virtc, and the test compares what the process inside saw. Sourced
# after lib.sh. Bundles start from `runc spec` (runc's defaults), with the
# terminal off and the root at $ROOTFS, writable.
command -v runc >/dev/null || fail "runc missing: run scripts/setup.sh"
command -v jq >/dev/null || fail "jq missing: run scripts/setup.sh"

RUNC_ROOT="$WORK/runc"

# Stops runc containers this test left (a failed run), before lib.sh's cleanup.
before_cleanup() {
  local id
  for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do
    runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1 || true
  done
}

# new_bundle NAME: a bundle directory with runc's default spec; prints its path.
new_bundle() {
  local dir="$WORK/bundles/$1"
  mkdir -p "$dir"
  (cd "$dir" && runc spec)
  spec_set "$dir" '.process.terminal = false | .root.path = $root | .root.readonly = false' --arg root "$ROOTFS"
  echo "$dir"
}

# spec_set DIR FILTER [jq args...]: rewrites DIR/config.json through jq.
spec_set() {
  local dir=$1 filter=$2; shift 2
  jq "$@" "$filter" "$dir/config.json" >"$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}

# spec_script DIR SCRIPT: the process runs `sh -c SCRIPT`.
spec_script() {
  spec_set "$1" '.process.args = ["sh", "-c", $script]' --arg script "$2"
}

run_runc() {  # DIR: the process's output under runc; fails the test if runc does
  local out
  out=$(runc --root "$RUNC_ROOT" run -b "$1" "oci-$(basename "$1")-$$" </dev/null 2>&1) ||
    fail "runc run of $(basename "$1") failed: $out"
  printf '%s\n' "$out"
}

run_vc() {  # DIR: the same under virtc
  local out
  out=$(virtc run --bundle "$1" </dev/null 2>&1) || fail "virtc run of $(basename "$1") failed: $out"
  printf '%s\n' "$out"
}

# same DIR WHAT: runs DIR under both and requires the same output.
same() {
  local runc_out vc_out
  runc_out=$(run_runc "$1")
  vc_out=$(run_vc "$1")
  if [ "$runc_out" != "$vc_out" ]; then
    echo "--- runc" >&2; echo "$runc_out" >&2
    echo "--- virtc" >&2; echo "$vc_out" >&2
    fail "$2: runc and virtc differ"
  fi
  pass "$2 (same as runc)"
  SAME_OUT=$vc_out
}

# refused DIR TEXT WHAT: virtc must refuse the bundle with TEXT in its error,
# leaving nothing behind.
refused() {
  expect_error "$2" virtc run --bundle "$1"
  assert_clean
  pass "$3 is refused: $2"
}

# Concurrent calls: 20 virtc calls at once on one sandbox, 10 sandboxes
# started and removed at once, conflicting stops and deletes racing. Every
# call succeeds or fails with a clear error, the state stays readable, and
# nothing is left.
source "$(dirname "$0")/lib.sh"

# Runs "$@" in the background, its output and exit status in $WORK/calls/N.
mkdir -p "$WORK/calls"
n=0 pids=()
call() {
  n=$((n + 1))
  ( rc=0; "$@" >"$WORK/calls/$n.out" 2>&1 || rc=$?; echo "$rc" >"$WORK/calls/$n.rc" ) &
  pids+=($!)
}
wait_calls() { wait "${pids[@]}"; pids=(); }
rc_of() { cat "$WORK/calls/$1.rc"; }
out_of() { cat "$WORK/calls/$1.out"; }
# How many of the calls from FIRST on succeeded; each that failed said TEXT.
successes() {  # FIRST TEXT WHAT
  local ok=0 k
  for k in $(seq "$1" "$n"); do
    if [ "$(rc_of "$k")" = 0 ]; then ok=$((ok + 1))
    else assert_contains "$(out_of "$k")" "$2" "$3"; fi
  done
  echo "$ok"
}

virtc sandbox run --id shared --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
first=$((n + 1))
for i in $(seq 10); do call virtc container enter --sandbox shared --id main -- echo "exec $i"; done
for i in $(seq 5); do call virtc sandbox status --id shared --json; done
for i in $(seq 5); do call virtc container create --sandbox shared --id "side$i" --rootfs "$ROOTFS" -- sleep 1000; done
wait_calls
for i in $(seq 0 19); do
  k=$((first + i))
  [ "$(rc_of "$k")" = 0 ] || fail "concurrent call $k failed: $(out_of "$k")"
done
for i in $(seq 10); do assert_eq "exec $i" "$(out_of $((first + i - 1)))" "output of concurrent exec $i"; done
status=$(virtc sandbox status --id shared --json)
jq -e . >/dev/null <<<"$status" || fail "state unreadable after concurrent calls: $status"
assert_eq 6 "$(jq '.containers | length' <<<"$status")" "containers after 5 concurrent creates"
pass "20 concurrent calls on one sandbox (exec, status, container create) all succeed"

# Racing stops: each succeeds or says the sandbox is already stopped.
first=$((n + 1))
for i in $(seq 5); do call virtc sandbox stop --id shared; done
wait_calls
ok=$(successes "$first" "is stopped: cannot stop it" "a racing stop's error")
[ "$ok" -ge 1 ] || fail "no racing stop succeeded"
# Racing deletes: one removes it, the others say it is not found.
first=$((n + 1))
for i in $(seq 5); do call virtc sandbox delete --id shared; done
wait_calls
assert_eq 1 "$(successes "$first" "sandbox shared not found" "a racing delete's error")" \
  "racing deletes that succeeded"
assert_clean
pass "racing stops and deletes: one wins, the others fail clearly, nothing left"

first=$((n + 1))
for i in $(seq 10); do call virtc sandbox run --id "many$i" --rootfs "$ROOTFS" -- sleep 1000; done
wait_calls
for k in $(seq "$first" "$n"); do [ "$(rc_of "$k")" = 0 ] || fail "concurrent start $k failed: $(out_of "$k")"; done
assert_eq 10 "$(virtc sandbox list --json | jq '[.[] | select(.state == "running")] | length')" "sandboxes running"
first=$((n + 1))
for i in $(seq 10); do call virtc sandbox delete --id "many$i" --force; done
wait_calls
for k in $(seq "$first" "$n"); do [ "$(rc_of "$k")" = 0 ] || fail "concurrent delete $k failed: $(out_of "$k")"; done
assert_clean
pass "10 sandboxes started at once and removed at once"

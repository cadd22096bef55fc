#!/usr/bin/env bash
# ctr's spec options (capabilities, the default seccomp profile, read-only
# binds, a read-only root, environment) through containerd: the same `ctr run`
# with runc's shim and with ours, and what the process saw.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd_lib.sh"

for tool in runc script; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/setup.sh"
done
before_cleanup() {
  ctd_log_tail "$1" 20
  ctd_stop
}
ctd_up

mkdir -p "$WORK/vol"
echo "volume data" >"$WORK/vol/f"
n=0
# both WHAT [ctr run options...] -- COMMAND...: runs under runc and under vc, compares.
both() {
  local what=$1; shift
  local opts=() runc_out vc_out
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  n=$((n + 1))
  runc_out=$(ctd_ctr run --rm --runtime io.containerd.runc.v2 "${opts[@]}" "$IMAGE" "runc-$n" "$@" </dev/null 2>&1) ||
    fail "$what under runc: $runc_out"
  vc_out=$(ctd_ctr run --rm --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG" "${opts[@]}" \
    "$IMAGE" "vc-$n" "$@" </dev/null 2>&1) || fail "$what under vc: $vc_out"
  [ "$runc_out" = "$vc_out" ] || fail "$what: runc and vc differ:
--- runc
$runc_out
--- vc
$vc_out"
  pass "$what (same as runc)"
  SAME_OUT=$vc_out
}

status='grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status; id'
both "ctr's default spec" -- sh -c "$status"
both "--cap-add and --cap-drop" --cap-add CAP_SYS_ADMIN --cap-drop CAP_CHOWN -- sh -c "$status"
both "--seccomp (containerd's default profile)" --seccomp -- sh -c "$status; mkdir /tmp/ok && echo mkdir allowed"
assert_contains "$SAME_OUT" "Seccomp:	2" "the default profile is loaded"
both "a read-only bind" --mount "type=bind,src=$WORK/vol,dst=/vol,options=rbind:ro" -- \
  sh -c 'cat /vol/f; touch /vol/new 2>&1; awk '"'"'$5 == "/vol" { print $6 }'"'"' /proc/self/mountinfo'
assert_contains "$SAME_OUT" "Read-only file system" "the bind is read-only"
both "--read-only and --env" --read-only --env GREETING=hello -- sh -c 'echo $GREETING; touch /x 2>&1; true'
assert_contains "$SAME_OUT" "touch: /x: Read-only file system" "a read-only root"

# --tty: under both, the terminal is the process's stdin and /dev/console.
keep_open=3
exec 3< <(sleep 120)
tty_run() {  # RUNTIME-OPTIONS ID: what a terminal process sees
  local out
  out=$(script -qec "ctr --address $CTD_SOCK run --rm -t $1 $IMAGE $2 sh -c 'test -t 0 && echo stdin-is-a-tty; test -c /dev/console && echo console-is-a-device; stat -c %t /dev/console; true'" \
    /dev/null <&"$keep_open") || fail "ctr run -t ($1) failed: $out"
  tr -d '\r' <<<"$out"
}
runc_tty=$(tty_run "--runtime io.containerd.runc.v2" tty-runc)
vc_tty=$(tty_run "--runtime io.containerd.vc.v2 --runtime-config-path $VC_CONFIG" tty-vc)
assert_eq "$runc_tty" "$vc_tty" "what a terminal process sees, runc and vc"
assert_contains "$vc_tty" "console-is-a-device" "/dev/console"
pass "--tty: the terminal is stdin and /dev/console (same as runc)"
exec 3<&-

ctd_stop
assert_clean

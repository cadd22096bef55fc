#!/usr/bin/env bash
# OCI hooks: the points, their order and the state each hook reads on stdin,
# under runc and virtc; a failing hook, a hook that times out, a hook that is
# not there.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

log="$WORK/hooks.log"
cat >"$WORK/hook" <<HOOK
#!/bin/sh
# Appends: point, the state's status, whether the state names the container and bundle.
state=\$(cat)
echo "\$1 \$(echo "\$state" | jq -r '.status + " " + (.id | length > 0 | tostring) + " " + (.bundle | endswith("/hooks")|tostring)')" >>"$log"
HOOK
chmod +x "$WORK/hook"
hook() { printf '{"path": "%s", "args": ["hook", "%s"]}' "$WORK/hook" "$1"; }

# startContainer runs in the container's namespaces under runc (the hook must
# be inside the container), on the host under virtc (docs/oci.md): left out
# of the comparison, checked on virtc below.
b=$(new_bundle hooks)
spec_set "$b" ".hooks = {prestart: [$(hook prestart)], createRuntime: [$(hook createRuntime)],
  createContainer: [$(hook createContainer)], poststart: [$(hook poststart)], poststop: [$(hook poststop)]}"
spec_script "$b" 'echo running'
run_runc "$b" >/dev/null
runc_log=$(cat "$log"); rm -f "$log"
run_vc "$b" >/dev/null
vc_log=$(cat "$log"); rm -f "$log"
[ "$runc_log" = "$vc_log" ] || fail "hooks differ: runc:
$runc_log
virtc:
$vc_log"
pass "hook points, order and state (same as runc)"

spec_set "$b" ".hooks = {startContainer: [$(hook startContainer)]}"
run_vc "$b" >/dev/null
assert_eq "startContainer created true true" "$(cat "$log")" "startContainer on virtc"
pass "startContainer runs before the process, with the status created"

cat >"$WORK/failing-hook" <<'HOOK'
#!/bin/sh
echo "no network for this container" >&2
exit 3
HOOK
chmod +x "$WORK/failing-hook"
spec_set "$b" '.hooks = {createRuntime: [{path: $p}]}' --arg p "$WORK/failing-hook"
expect_error "createRuntime hook $WORK/failing-hook: exit status 3: no network for this container" \
  virtc run --bundle "$b"
assert_clean
pass "a failing createRuntime hook fails the create and leaves nothing"

spec_set "$b" '.hooks = {poststop: [{path: $p}]}' --arg p "$WORK/failing-hook"
assert_eq "running" "$(virtc run --bundle "$b" 2>/dev/null)" "a failing poststop hook only warns"
assert_clean
pass "a failing poststop hook is a warning"

spec_set "$b" '.hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
expect_error "did not finish within 1000 ms" virtc run --bundle "$b"
assert_clean
pass "a hook past its timeout fails the create"

spec_set "$b" '.hooks = {createRuntime: [{path: "/nonexistent/vc-hook"}]}'
refused "$b" "hook /nonexistent/vc-hook is not an executable file" "a hook that does not exist"

spec_set "$b" '.hooks = {createRuntime: [{path: "relative-hook"}]}'
refused "$b" "must be absolute" "a relative hook path"

assert_clean

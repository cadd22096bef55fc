#!/usr/bin/env bash
# linux.seccomp: a profile with errno returns, the default errno, an argument
# condition and several architectures, loaded with noNewPrivileges on (late)
# and off (early, with CAP_SYS_ADMIN); the errors a process sees, under runc
# and virtc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

profile='{
  defaultAction: "SCMP_ACT_ALLOW",
  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  syscalls: [
    {names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13},
    {names: ["chmod", "fchmod", "fchmodat"], action: "SCMP_ACT_ERRNO"},
    {names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 3,
     args: [{index: 1, value: 10, op: "SCMP_CMP_EQ"}]},
    {names: ["getpid"], action: "SCMP_ACT_ALLOW"}]}'
script='mkdir /tmp/denied 2>&1; chmod 600 /etc/passwd 2>&1
kill -USR1 $$ 2>&1 || echo "SIGUSR1 refused"; kill -0 $$ && echo "signal 0 allowed"
grep -E "^(Seccomp|NoNewPrivs)" /proc/self/status'

b=$(new_bundle seccomp-nnp)
spec_set "$b" ".linux.seccomp = $profile"
spec_script "$b" "$script"
same "$b" "a seccomp profile with noNewPrivileges"
assert_contains "$SAME_OUT" "Permission denied" "errnoRet 13 (EACCES)"
assert_contains "$SAME_OUT" "Operation not permitted" "the default errno (EPERM)"
assert_contains "$SAME_OUT" "SIGUSR1 refused" "the argument condition"
assert_contains "$SAME_OUT" "signal 0 allowed" "a call outside the condition"
assert_contains "$SAME_OUT" "Seccomp:	2" "filter mode"

b=$(new_bundle seccomp-privileged)
spec_set "$b" ".linux.seccomp = $profile | .process.noNewPrivileges = false
  | .process.capabilities.bounding += [\"CAP_SYS_ADMIN\"] | .process.capabilities.effective += [\"CAP_SYS_ADMIN\"]
  | .process.capabilities.permitted += [\"CAP_SYS_ADMIN\"]"
spec_script "$b" "$script"
same "$b" "a seccomp profile without noNewPrivileges"
assert_contains "$SAME_OUT" "NoNewPrivs:	0" "noNewPrivileges off"

b=$(new_bundle seccomp-default-errno)
spec_set "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1,
  syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ALLOW"}]}'
spec_script "$b" 'echo never'
# Everything but mkdir fails, execve and exit included: under both runtimes
# the process dies before it runs (runc: "container process is already dead";
# virtc: the agent's child ends on SIGSEGV, status 139, as exit is denied too).
rc=0; out=$(runc --root "$RUNC_ROOT" run -b "$b" "oci-deny-$$" </dev/null 2>&1) || rc=$?
[ "$rc" -ne 0 ] && [[ "$out" != *never* ]] || fail "runc ran a process whose profile denies execve: $out"
rc=0; out=$(virtc run --bundle "$b" </dev/null 2>&1) || rc=$?
[ "$rc" -ne 0 ] && [[ "$out" != *never* ]] || fail "virtc ran a process whose profile denies execve: $out"
assert_clean
pass "a profile that denies execve fails the start under both"

b=$(new_bundle bad-syscall)
spec_set "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["teleport"], action: "SCMP_ACT_ERRNO"}]}'
refused "$b" "unknown syscall 'teleport'" "an unknown syscall"

b=$(new_bundle bad-arch)
spec_set "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_Z80"]}'
refused "$b" "unknown architecture 'SCMP_ARCH_Z80'" "an unknown architecture"

b=$(new_bundle bad-action)
spec_set "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_MAYBE"}'
refused "$b" "unknown action 'SCMP_ACT_MAYBE'" "an unknown action"

assert_clean

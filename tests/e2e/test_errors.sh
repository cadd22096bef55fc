# Bad input and failures: each gives a clear message and a nonzero exit, and
# leaves nothing behind.
source "$(dirname "$0")/lib.sh"

expect_error "is not a directory" virtc run --rootfs "$WORK/missing" -- true
assert_clean
pass "missing rootfs"

mkdir -p "$WORK/badbundle/rootfs"
echo '{"process": {"args": ["true"]' >"$WORK/badbundle/config.json"
expect_error "config.json is not valid JSON" virtc run --bundle "$WORK/badbundle"
echo '{"process": {"args": []}, "root": {"path": "rootfs"}}' >"$WORK/badbundle/config.json"
expect_error "process.args is empty" virtc run --bundle "$WORK/badbundle"
assert_clean
pass "malformed config.json"

expect_error "sandbox id is empty" virtc sandbox status --id ""
expect_error "must start with a letter or a digit" virtc sandbox create --id ..
expect_error "may only contain" virtc sandbox create --id a/b
expect_error "must start with a letter or a digit" virtc sandbox create --id /
expect_error "longer than 64 characters" virtc sandbox create --id "$(printf 'a%.0s' $(seq 65))"
expect_error "sandbox nope not found" virtc sandbox start --id nope
assert_clean
pass "invalid and unknown ids"

# Given, an id may not be empty (left out, one is generated); a typo in an
# option is refused, not taken as the container's command.
expect_error "--id: must not be empty" virtc sandbox create --id ""
expect_error "--id: must not be empty" virtc run --id "" --rootfs "$ROOTFS" -- true
expect_error "unknown option --bogus-flag" virtc sandbox create --id typo --bogus-flag 1
expect_error "unknown option --memroy" virtc run --rootfs "$ROOTFS" --memroy 512 true
expect_error "sandbox typo not found" virtc sandbox status --id typo
assert_clean
pass "empty ids and unknown options refused"

virtc sandbox create --id dup >/dev/null
expect_error "sandbox dup already exists" virtc sandbox create --id dup
expect_error "sandbox dup is ready: cannot stop it" virtc sandbox stop --id dup
expect_error "sandbox dup is ready: cannot pause it" virtc sandbox pause --id dup
expect_error "container x not found in sandbox dup" virtc container start --sandbox dup --id x
virtc container create --sandbox dup --id c --rootfs "$ROOTFS" -- true
expect_error "sandbox dup is ready: start it first" virtc container start --sandbox dup --id c
expect_error "container c already exists" virtc container create --sandbox dup --id c --rootfs "$ROOTFS" -- true
expect_error "container c is ready: cannot run a process in it" virtc container enter --sandbox dup --id c -- true
virtc sandbox delete --id dup
assert_clean
pass "duplicate ids and wrong-state calls"

expect_error "QEMU binary" virtc --qemu /nonexistent/qemu run --rootfs "$ROOTFS" -- true
assert_clean
pass "missing QEMU binary"

expect_error "guest kernel not found at '/nonexistent/vmlinuz'" virtc --kernel /nonexistent/vmlinuz run --rootfs "$ROOTFS" -- true
expect_error "guest initramfs not found" virtc --initrd /nonexistent/initrd run --rootfs "$ROOTFS" -- true
assert_clean
pass "missing guest assets"

# An initramfs without an agent: the kernel panics, the VM exits during start.
printf 'not a cpio archive' >"$WORK/broken-initrd"
expect_error "the VM exited" virtc --initrd "$WORK/broken-initrd" run --rootfs "$ROOTFS" -- true
assert_clean
pass "a VM that dies during start"

expect_error "exec: \"nonexistent-command\": executable file not found in \$PATH" virtc run --rootfs "$ROOTFS" -- nonexistent-command
assert_clean
pass "a command that does not exist in the container"

# The VM dies under a running sandbox: status says so, delete cleans up.
virtc sandbox run --id doomed --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
pkill -9 -f -- "-name sandbox-doomed"
for _ in $(seq 50); do pgrep -f -- "vc-supervisor --root $ROOT --sandbox doomed" >/dev/null || break; sleep 0.1; done
status=$(virtc sandbox status --id doomed --json)
assert_contains "$status" '"state": "stopped"' "sandbox state after its VM was killed"
assert_contains "$status" '"exit_status": 137' "container exit status after its VM was killed"
expect_error "container main is stopped" virtc container enter --sandbox doomed --id main -- true
virtc sandbox delete --id doomed
assert_clean
pass "a VM killed under a running sandbox is reported stopped and cleaned up"

# The supervisor itself is killed: QEMU and virtiofsd die with it, and the
# next call releases the share it had mounted, from the state the sandbox's
# resources saved (resources.json), although another process made them.
virtc sandbox run --id orphan --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
grep -qF "$ROOT/sbs/orphan/shared" /proc/self/mountinfo || fail "the share is not mounted while the sandbox runs"
pkill -9 -f -- "vc-supervisor --root $ROOT --sandbox orphan"
for _ in $(seq 50); do pgrep -f -- "$ROOT/sbs/orphan/" >/dev/null || break; sleep 0.1; done
status=$(virtc sandbox status --id orphan --json)
assert_contains "$status" '"state": "stopped"' "sandbox state after its supervisor was killed"
! grep -F "$ROOT/sbs/orphan" /proc/self/mountinfo || fail "mounts left after the supervisor was killed"
virtc sandbox delete --id orphan
assert_clean
pass "a killed supervisor's mounts are released by the next call"

# A sandbox's state file is damaged (a crash mid-write, an edit by hand): list
# still shows every sandbox and says which is unreadable; a plain delete
# refuses, names the file and touches nothing; delete --force stops what still
# runs of it (found by the sandbox id) and removes it.
virtc sandbox run --id garbled --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
printf '{"state": "runn' > "$ROOT/sbs/garbled/state.json"
list=$(virtc sandbox list)
assert_contains "$list" "garbled" "list with a damaged sandbox"
assert_contains "$list" "is corrupt" "list with a damaged sandbox"
expect_error "state of sandbox garbled is corrupt: $ROOT/sbs/garbled/state.json" virtc sandbox delete --id garbled
pgrep -f -- "vc-supervisor --root $ROOT --sandbox garbled" >/dev/null || fail "a refused delete stopped the sandbox"
virtc sandbox delete --id garbled --force
assert_clean
pass "a sandbox with damaged state is listed, and removed only by delete --force"

virtc sandbox run --id forced --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
expect_error "stop it before deleting it" virtc sandbox delete --id forced
virtc sandbox delete --id forced --force
assert_clean
pass "delete --force stops a running sandbox first"

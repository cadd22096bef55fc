# What an operator asks of the installation: versions (beside runc's and
# containerd's own formats), `virtc check` (can sandboxes run here, and why
# not) and `virtc env` (the settings in force and where each came from).
source "$(dirname "$0")/lib.sh"

BIN="$VC_BUILD/bin"
VERSION=$(sed -n 's/^project(virtcontainers VERSION \([0-9.]*\).*/\1/p' "$VC_SOURCE/CMakeLists.txt")
[ -n "$VERSION" ] || fail "no project version in CMakeLists.txt"
command -v git >/dev/null || fail "git missing: run scripts/setup.sh"
HEAD=$(git -c safe.directory='*' -C "$VC_SOURCE" rev-parse HEAD) || fail "the source is not a git checkout: the commit cannot be compared"
json() { jq -r "$1"; }

# --- versions ---------------------------------------------------------------
out=$("$VIRTC_BIN" --version)
assert_eq "virtc version $VERSION" "$(sed -n 1p <<<"$out")" "virtc --version, first line"
assert_contains "$(sed -n 2p <<<"$out")" "commit: $HEAD" "virtc --version: the commit built from"
assert_contains "$(sed -n 3p <<<"$out")" "guest kernel: $GUEST_KERNEL" "virtc --version: the guest kernel's release"
# runc's lines are "<name> version V", "commit: C", "spec: S", ...: ours are
# the same, in the same order (runc has go and libseccomp lines after them).
ours=$("$BIN/vc-runtime" --version)
keys() { sed -E 's/^[^ ]+ version .*/version/; s/:.*//' <<<"$1" | tr '\n' ' '; }
assert_eq "version commit spec " "$(keys "$ours")" "vc-runtime --version's lines"
assert_contains "$(keys "$(runc --version)")" "version commit spec " "runc --version's lines"
assert_eq "vc-runtime version $VERSION" "$(sed -n 1p <<<"$ours")" "vc-runtime --version"
assert_contains "$ours" "commit: $HEAD" "vc-runtime --version: the commit"
# containerd's shims: "NAME:", "  Version:  V", "  Revision: R".
ours=$("$BIN/containerd-shim-vc-v2" -v)
theirs=$(containerd-shim-runc-v2 -v)
shape() { sed -E 's/^([^:]*):.*/\1/' <<<"$1" | sed 's/containerd-shim-.*-v2/SHIM/' | head -3 | tr '\n' '|'; }
assert_eq "$(shape "$theirs")" "$(shape "$ours")" "containerd-shim-vc-v2 -v against containerd-shim-runc-v2 -v"
assert_contains "$ours" "  Version:  $VERSION" "shim -v: the version"
assert_contains "$ours" "  Revision: $HEAD" "shim -v: the commit"
out=$("$BIN/vc-supervisor" --version)
assert_eq "vc-supervisor version $VERSION" "$(sed -n 1p <<<"$out")" "vc-supervisor --version"
assert_contains "$out" "commit: $HEAD" "vc-supervisor --version: the commit"
# The agent in the guest: its version and commit, and the guest's kernel.
virtc sandbox run --id versions --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
status=$(virtc sandbox status --id versions --json)
assert_eq "$VERSION" "$(json .agent_version <<<"$status")" "the agent's version in sandbox status"
assert_contains "$(json .agent_commit <<<"$status")" "$HEAD" "the agent's commit in sandbox status"
assert_eq "$GUEST_KERNEL" "$(json .guest_kernel <<<"$status")" "the guest kernel in sandbox status"
assert_contains "$(virtc sandbox status --id versions)" "agent $VERSION (commit $HEAD" "sandbox status's table"
# The guest's log on the host: the agent's lines in the supervisor's log,
# with the sandbox's id, and the whole console in console.log.
grep -q 'level=info msg="guest: serving on .*" sandbox=versions$' "$ROOT/sbs/versions/supervisor.log" ||
  fail "no agent line in the supervisor's log: $(cat "$ROOT/sbs/versions/supervisor.log")"
grep -q '^time=.* msg="serving on ' "$ROOT/sbs/versions/console.log" || fail "no agent line in console.log"
virtc sandbox stop --id versions
virtc sandbox delete --id versions
pass "versions: virtc, vc-runtime (runc's form), the shim (containerd's form), the supervisor, the agent in sandbox status; the agent's log lines in the supervisor's log"

# --- virtc check --------------------------------------------------------------
rc=0; out=$(virtc check) || rc=$?
assert_eq 0 "$rc" "virtc check on this host (sandboxes run here): $out"
for name in accelerator qemu virtiofsd supervisor "guest kernel" initramfs "state root" vhost-net vhost-vsock \
            iommu vfio-pci cgroups "cni plugins" template; do
  grep -qE "^(ok|warning) +$name " <<<"$out" || fail "virtc check has no line for $name: $out"
done
# This project's machines have no usable KVM: the check says TCG, and why.
accel=$(grep -E '^[a-z]+ +accelerator ' <<<"$out")
if [ -e /sys/module/kvm_pvm ]; then
  assert_contains "$accel" "tcg: /dev/kvm is PVM (module kvm_pvm)" "the accelerator on a PVM host"
elif ! [ -r /dev/kvm ]; then
  assert_contains "$accel" "tcg: /dev/kvm:" "the accelerator without /dev/kvm"
fi
assert_contains "$out" "$(qemu-system-x86_64 --version | head -1)" "QEMU's version in virtc check"
assert_contains "$out" "vc-agent built from ${HEAD:0:12}" "the initramfs's agent matches the host's"
assert_contains "$out" "sandboxes can run here" "virtc check's verdict"
report=$(virtc check --json)
assert_eq true "$(json .can_run <<<"$report")" "virtc check --json: can_run"
assert_eq "$(sed -n 's/^\([a-z]*\) .*accelerator .*/\1/p' <<<"$out")" \
  "$(json '.checks[] | select(.name == "accelerator") | .level' <<<"$report")" "the accelerator's level, table and JSON"

# What cannot work is an error, the exit status non-zero, the reasons named.
rc=0; out=$("$VIRTC_BIN" --root "$ROOT" --kernel "$WORK/no-such-kernel" --qemu "$WORK/no-such-qemu" check) || rc=$?
assert_eq 1 "$rc" "virtc check without kernel and QEMU"
assert_contains "$out" "sandboxes cannot run here: qemu, guest kernel, initramfs" "virtc check's verdict"
assert_contains "$out" "$WORK/no-such-qemu not found: install qemu-system-x86" "the missing QEMU's hint"
assert_contains "$out" "$WORK/no-such-kernel not found: build the guest (scripts/build.sh)" "the missing kernel's hint"
rc=0; report=$("$VIRTC_BIN" --root "$ROOT" --kernel "$WORK/no-such-kernel" check --json) || rc=$?
assert_eq 1 "$rc" "virtc check --json without a kernel"
assert_eq false "$(json .can_run <<<"$report")" "can_run without a kernel"
# An initramfs whose agent was built from another commit: a warning, with the fix.
mkdir -p "$WORK/old-guest"
cp "$GUEST_KERNEL_PATH" "$WORK/old-guest/vmlinux"
python3 - "$GUEST_DIR/initramfs.cpio" "$WORK/old-guest/initramfs.cpio" <<'PY'
import re, sys
data = open(sys.argv[1], 'rb').read()
patched, n = re.subn(rb'vc-build-commit=[0-9a-f]{40}', b'vc-build-commit=' + b'0' * 40, data)
assert n > 0, 'no vc-build-commit marker in the initramfs'
open(sys.argv[2], 'wb').write(patched)
PY
rc=0; out=$("$VIRTC_BIN" --root "$ROOT" --kernel "$WORK/old-guest/vmlinux" check) || rc=$?
assert_eq 0 "$rc" "virtc check with an older agent (a warning, not an error)"
stale=$(grep -E '^warning +initramfs ' <<<"$out") || fail "no initramfs warning for a stale agent: $out"
assert_contains "$stale" "its vc-agent was built from 000000000000" "the stale agent's warning"
assert_contains "$stale" "this program from ${HEAD:0:12}" "the stale agent's warning"
assert_contains "$stale" "rebuild the guest (scripts/build.sh)" "the stale agent's warning"
pass "virtc check: TCG and why, versions found, missing QEMU and kernel refused with hints, a stale agent warned about"

# --- virtc env ----------------------------------------------------------------
env=$("$VIRTC_BIN" --root "$ROOT" --memory 300 env --json)
setting() { json ".settings[] | select(.name == \"$1\") | .$2" <<<"$env"; }
assert_eq "300 MiB" "$(setting memory value)" "env: memory"
assert_eq flag "$(setting memory source)" "env: memory comes from the flag"
assert_eq "$ROOT" "$(setting root value)" "env: root"
assert_eq flag "$(setting root source)" "env: root comes from the flag"
assert_eq default "$(setting accel source)" "env: accel is the default"
assert_eq "$(cd "$VC_BUILD/guest" && pwd -P)/vmlinux" "$(cd "$(dirname "$(setting kernel value)")" && pwd -P)/vmlinux" \
  "env: the default kernel"
assert_eq "$VERSION" "$(json .virtc.version <<<"$env")" "env: virtc's version"
assert_eq "$(command -v qemu-system-x86_64)" "$(json '.host[] | select(.name == "qemu") | .detail' <<<"$env")" \
  "env: the QEMU found on PATH"
assert_eq /etc/vc/configuration.toml "$(json .configuration_file.path <<<"$env")" "env: the shim's configuration file"
# The shim's and vc-runtime's file: each key from the file or the default.
printf '[hypervisor]\nmemory_mib = 512\n[agent]\ndebug_console = true\n' >"$WORK/configuration.toml"
env=$("$VIRTC_BIN" --root "$ROOT" env --config "$WORK/configuration.toml" --json)
file_setting() { json ".configuration_file.settings[] | select(.name == \"$1\") | .source + \" \" + .value" <<<"$env"; }
assert_eq "file 512" "$(file_setting hypervisor.memory_mib)" "env: the file's memory"
assert_eq "file true" "$(file_setting agent.debug_console)" "env: the file's debug console"
assert_eq "default auto" "$(file_setting agent.transport)" "env: a key the file leaves out"
printf '[hypervisor]\nmemory_mib = "lots"\n' >"$WORK/broken.toml"
out=$("$VIRTC_BIN" --root "$ROOT" env --config "$WORK/broken.toml")
assert_contains "$out" "cannot be read: $WORK/broken.toml: hypervisor.memory_mib must be a non-negative integer" \
  "env: a broken file, with why"
out=$("$VIRTC_BIN" --root "$ROOT" --memory 300 env)
grep -qE '^  memory +flag +300 MiB$' <<<"$out" || fail "env's table has no 'memory flag 300 MiB' line: $out"
grep -qE '^  vcpus +default +1$' <<<"$out" || fail "env's table has no 'vcpus default 1' line: $out"
pass "virtc env: each setting with its value and source, what it resolves to, the configuration file"
assert_clean

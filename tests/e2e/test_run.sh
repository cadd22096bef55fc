# virtc run: one container in a fresh VM, stdio relayed, exit code returned,
# nothing left afterwards.
source "$(dirname "$0")/lib.sh"

out=$(virtc run --rootfs "$ROOTFS" -- uname -r)
assert_eq "$GUEST_KERNEL" "$out" "kernel release seen in the container"
[ "$out" != "$(uname -r)" ] || fail "the container saw the host kernel"
pass "uname -r in the container shows the guest kernel ($out)"
assert_clean

# Every process of the sandbox is gone and reaped when `run` and `sandbox
# delete` return: none listed, not even as a zombie (this machine's init
# reaps orphans late).
sandbox_processes() { ps -eo pid=,comm= | awk '$2 ~ /^(qemu-system-x86|virtiofsd|vc-supervisor)$/ {print $1}' | sort; }
before=$(sandbox_processes)
for i in 1 2 3; do
  virtc run --rootfs "$ROOTFS" -- true
  left=$(comm -13 <(echo "$before") <(sandbox_processes))
  [ -z "$left" ] || fail "run $i returned with processes of its sandbox listed: $(ps -o pid=,stat=,comm= -p "$(echo $left | tr ' ' ,)")"
done
virtc sandbox run --id reaped --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
virtc sandbox stop --id reaped
virtc sandbox delete --id reaped
left=$(comm -13 <(echo "$before") <(sandbox_processes))
[ -z "$left" ] || fail "sandbox delete returned with processes of its sandbox listed: $(ps -o pid=,stat=,comm= -p "$(echo $left | tr ' ' ,)")"
pass "run and sandbox stop/delete return with QEMU, virtiofsd and the supervisor gone and reaped"

rc=0
virtc run --rootfs "$ROOTFS" -- sh -c 'echo to-out; echo to-err >&2; exit 7' >"$WORK/out" 2>"$WORK/err" || rc=$?
assert_eq 7 "$rc" "exit code"
assert_eq "to-out" "$(cat "$WORK/out")" "stdout"
assert_eq "to-err" "$(cat "$WORK/err")" "stderr"
pass "exit code and separate stdout/stderr propagate"

out=$(printf 'line one\nline two\n' | virtc run --rootfs "$ROOTFS" -- sh -c 'while read l; do echo "got $l"; done')
assert_eq $'got line one\ngot line two' "$out" "stdin relayed"
pass "stdin reaches the container and EOF ends it"

# PID 1 of a PID namespace ignores SIGKILL from inside it (as with any
# container runtime), so the workload's exit code is what reaches us here;
# a death by signal is checked in test_lifecycle (container stop: 137).
rc=0
virtc run --rootfs "$ROOTFS" -- sh -c 'kill -9 $$; echo survived; exit 4' >"$WORK/out" || rc=$?
assert_eq 4 "$rc" "exit code after SIGKILL to PID 1 from inside"
assert_eq survived "$(cat "$WORK/out")" "PID 1 ignores SIGKILL from inside its namespace"
pass "the container init is protected like PID 1"

out=$(virtc run --timeline --rootfs "$ROOTFS" -- echo hello 2>"$WORK/err")
assert_eq hello "$out" "stdout with --timeline"
assert_eq "PHASE config supervisor share-fs vmm guest-kernel agent-start agent-ready sandbox created:main started:main" \
  "$(awk '{printf "%s%s", sep, $1; sep = " "}' "$WORK/err")" "phases printed on stderr"
pass "run --timeline prints the phases of the start on stderr"

out=$(virtc run --rootfs "$ROOTFS" -- sh -c 'echo $$')
assert_eq "1" "$out" "PID of the container's init in its namespace"
pass "the container has its own PID namespace"

out=$(virtc --agent-transport serial run --rootfs "$ROOTFS" -- uname -r)
assert_eq "$GUEST_KERNEL" "$out" "kernel release over the serial transport"
if [ -r /dev/vhost-vsock ] && [ -w /dev/vhost-vsock ]; then
  out=$(virtc --agent-transport vsock run --rootfs "$ROOTFS" -- uname -r)
  assert_eq "$GUEST_KERNEL" "$out" "kernel release over the vsock transport"
  pass "agent transports: serial and vsock"
else
  expect_error "/dev/vhost-vsock is not usable" virtc --agent-transport vsock run --rootfs "$ROOTFS" -- true
  assert_clean
  echo "SKIP: vsock transport not exercised: this host has no usable /dev/vhost-vsock (hardware/kernel support)"
  pass "agent transport: serial; vsock requested without vhost-vsock is a clear error"
fi
expect_error "unknown agent transport 'pigeon'" virtc --agent-transport pigeon run --rootfs "$ROOTFS" -- true

# Ctrl-C twice ends a workload that ignores SIGINT (PID 1 without a handler).
start=$(date +%s)
"$VIRTC_BIN" --root "$ROOT" run --rootfs "$ROOTFS" -- sleep 600 &
run_pid=$!  # virtc itself, so the signals reach it
# Two signals that arrive before virtc forwards signals would merge into one
# pending signal: wait until the workload runs (list waits for the start's lock).
for _ in $(seq 300); do virtc sandbox list --json | grep -q '"state": "running"' && break; sleep 0.1; done
sleep 1
kill -INT "$run_pid"; sleep 1; kill -INT "$run_pid"
rc=0; wait "$run_pid" || rc=$?
assert_eq 137 "$rc" "exit status after a second SIGINT"
[ $(( $(date +%s) - start )) -lt 60 ] || fail "virtc run did not end promptly after two SIGINTs"
assert_clean
pass "a second SIGINT to virtc run kills the workload and cleans up"

cp "$VC_BUILD/bin/vc-test-escape" "$ROOTFS/bin/"
out=$(virtc run --rootfs "$ROOTFS" -- /bin/vc-test-escape)
assert_eq contained "$out" "chroot escape attempt from a container"
pass "a root process cannot climb out of its container to the guest's root"

mkdir -p "$WORK/bundle"
ln -s "$ROOTFS" "$WORK/bundle/rootfs"
cat >"$WORK/bundle/config.json" <<'JSON'
{"ociVersion": "1.0.2",
 "process": {"args": ["sh", "-c", "echo bundle $FOO in $(pwd)"], "env": ["PATH=/bin", "FOO=bar"], "cwd": "/tmp"},
 "root": {"path": "rootfs"}}
JSON
out=$(virtc run --bundle "$WORK/bundle")
assert_eq "bundle bar in /tmp" "$out" "OCI bundle process"
pass "--bundle runs the OCI process with its env and cwd"

cat >"$WORK/bundle/config.json" <<'JSON'
{"ociVersion": "1.0.2",
 "process": {"args": ["sh", "-c", "echo $(id -u):$(id -g)"], "env": ["PATH=/bin"], "cwd": "/",
             "user": {"uid": 1000, "gid": 1001}},
 "root": {"path": "rootfs"}}
JSON
out=$(virtc run --bundle "$WORK/bundle")
assert_eq "1000:1001" "$out" "uid:gid of the OCI process"
pass "the OCI process runs as the given uid and gid"

mkdir -p "$WORK/vol"
echo "10.1.2.3 db.example" >"$WORK/hosts"
cat >"$WORK/bundle/config.json" <<JSON
{"ociVersion": "1.0.2",
 "process": {"args": ["sh", "-c", "cat /etc/hosts; echo written >/data/out; echo x >>/etc/hosts || echo read-only"],
             "env": ["PATH=/bin"], "cwd": "/"},
 "root": {"path": "rootfs"},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/etc/hosts", "type": "bind", "source": "$WORK/hosts", "options": ["rbind", "ro"]},
            {"destination": "/data", "type": "bind", "source": "$WORK/vol", "options": ["rbind", "rw"]}]}
JSON
out=$(virtc run --bundle "$WORK/bundle" 2>&1)
assert_contains "$out" "10.1.2.3 db.example" "a file bind-mounted from the host"
assert_contains "$out" "read-only" "a read-only bind refuses writes"
assert_eq "written" "$(cat "$WORK/vol/out")" "a write through a directory bind reaches the host"
assert_eq "10.1.2.3 db.example" "$(cat "$WORK/hosts")" "the host file is unchanged"
[ ! -e "$ROOTFS/data" ] || [ -z "$(ls -A "$ROOTFS/data")" ] || fail "the volume's content leaked into the rootfs"
pass "the spec's bind mounts: a host file read-only at /etc/hosts, a host directory read-write at /data"

# microvm, the machine without PCI: the same bundle with its volumes runs on
# virtio-mmio devices, over virtio-fs and over 9p.
for share in virtio-fs virtio-9p; do
  rm -f "$WORK/vol/out"
  out=$(virtc --machine microvm --shared-fs "$share" run --bundle "$WORK/bundle" 2>&1)
  assert_contains "$out" "10.1.2.3 db.example" "a bind-mounted file on microvm over $share"
  assert_eq "written" "$(cat "$WORK/vol/out")" "a write through a volume on microvm over $share"
done
virtc --machine microvm sandbox run --id micro --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
qemu_args=$(pgrep -af -- "-name sandbox-micro,")
assert_contains "$qemu_args" "-machine microvm" "QEMU's machine"
assert_contains "$qemu_args" "virtio-serial-device" "the agent's port on virtio-mmio"
case "$qemu_args" in *-pci*) fail "a PCI device on microvm: $qemu_args" ;; esac
assert_eq "inside" "$(virtc container enter --sandbox micro --id main -- echo inside)" "exec in a microvm sandbox"
virtc sandbox delete --id micro --force
expect_error "enable_template needs machine_type = \"q35\"" virtc --machine microvm --template run --rootfs "$ROOTFS" -- true
expect_error "unknown machine_type 'pc'" virtc --machine pc run --rootfs "$ROOTFS" -- true
pass "microvm: volumes over virtio-fs and 9p, exec, no PCI device; templates and unknown machines refused"

assert_clean
pass "nothing left behind"

# The debug console: `virtc sandbox console` opens a shell in the guest,
# outside every container, for a sandbox started with --debug-console, driven
# here through a pseudo-terminal as a user's terminal would; refused for one
# started without it. The default guest carries no shell at all.
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || fail "python3 missing: run scripts/setup.sh"
command -v cpio >/dev/null || fail "cpio missing: run scripts/setup.sh"

# --- off by default ------------------------------------------------------------
if cpio -it --quiet <"$GUEST_DIR/initramfs.cpio" | grep -q busybox; then
  fail "the default initramfs carries a shell"
fi
[ -f "$GUEST_DIR/console.cpio" ] || fail "no console.cpio beside the initramfs: the guest assets are not built"
virtc sandbox run --id plain --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
expect_error "not started with the debug console: create it with debug_console on (virtc --debug-console" \
  virtc sandbox console --id plain
[ ! -e "$ROOT/sbs/plain/console.sock" ] || fail "a sandbox without the debug console has a console socket"
virtc sandbox stop --id plain
virtc sandbox delete --id plain
pass "off by default: no shell in the guest, the console refused with how to turn it on"

# --- a session on a terminal ------------------------------------------------------
virtc --debug-console sandbox run --id dbg --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
grep -q 'guest: debug console on /dev/vport' "$ROOT/sbs/dbg/supervisor.log" ||
  fail "the agent does not serve the console: $(grep guest: "$ROOT/sbs/dbg/supervisor.log")"
# The driver: virtc on a pseudo-terminal of 33x77; commands typed; the
# terminal resized to 40x100 (the kernel sends virtc SIGWINCH); a second
# console refused while this one is open; then `exit 7`.
VIRTC_CMD=("$VIRTC_BIN" --root "$ROOT" --kernel "$GUEST_KERNEL_PATH")
out=$(python3 - "${VIRTC_CMD[@]}" <<'PY'
import fcntl, os, pty, select, struct, subprocess, sys, termios, time

virtc = sys.argv[1:]

def size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

pid, master = pty.fork()
if pid == 0:
    size(0, 33, 77)
    os.execv(virtc[0], virtc + ["sandbox", "console", "--id", "dbg"])

seen = b""
def until(marker, timeout=60):
    global seen
    deadline = time.time() + timeout
    while marker.encode() not in seen:
        left = deadline - time.time()
        if left <= 0:
            sys.exit("timed out waiting for %r; got: %r" % (marker, seen[-2000:]))
        if select.select([master], [], [], left)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                sys.exit("virtc ended before %r; got: %r" % (marker, seen[-2000:]))
            seen += chunk
    found = seen
    seen = b""
    return found.decode(errors="replace")

until("vc-guest:/# ")
os.write(master, b"stty size; cat /proc/1/comm; hostname; ls /run/vc/shared; echo one-$((6*7))\r")
print(until("one-42\r\n"))
size(master, 40, 100)
time.sleep(0.5)
os.write(master, b"stty size; echo two-$((6*7))\r")
print(until("two-42\r\n"))
second = subprocess.run(virtc + ["sandbox", "console", "--id", "dbg"], stdin=subprocess.DEVNULL,
                        capture_output=True, text=True, timeout=60)
print("second rc=%d: %s" % (second.returncode, second.stderr.strip()))
os.write(master, b"exit 7\r")
_, status = os.waitpid(pid, 0)
print("exit=%d" % os.waitstatus_to_exitcode(status))
PY
) || fail "the console session: $out"
assert_contains "$out" "33 77" "the guest's terminal has the size of ours"
assert_contains "$out" "init" "the shell sees the guest's PID 1 (the agent), not a container's"
assert_contains "$out" $'\ndbg\r' "the guest's hostname is the sandbox's"
assert_contains "$out" "main" "the shell sees the containers' shared roots"
assert_contains "$out" "40 100" "a resize of our terminal reaches the guest's"
assert_contains "$out" "second rc=1: virtc: debug console: sandbox dbg: its debug console is in use by another session" \
  "a second session while one is open"
assert_contains "$out" "exit=7" "virtc exits with the shell's exit code"
grep -q 'guest: debug console: shell [0-9]* exited with 7' "$ROOT/sbs/dbg/supervisor.log" ||
  fail "the session's end is not in the supervisor's log"
pass "a shell in the guest on a terminal: its size and resizes, outside the containers, one session at a time, its exit code"

# --- a script piped in; leaving with Ctrl-] ------------------------------------------
rc=0; out=$(printf 'echo piped-$((1+1)); test -t 0 || echo no-terminal\nfalse\n' | virtc sandbox console --id dbg 2>&1) || rc=$?
assert_eq $'piped-2\nno-terminal' "$out" "a script piped into the console runs, on no terminal, without prompts"
assert_eq 1 "$rc" "the end of the script ends the shell: its last command's status"
out=$(python3 - "${VIRTC_CMD[@]}" <<'PY'
import os, pty, select, sys, time
virtc = sys.argv[1:]
pid, master = pty.fork()
if pid == 0:
    os.execv(virtc[0], virtc + ["sandbox", "console", "--id", "dbg"])
seen = b""
deadline = time.time() + 60
while b"vc-guest:/# " not in seen and time.time() < deadline:
    if select.select([master], [], [], 1)[0]:
        seen += os.read(master, 4096)
os.write(master, b"sleep 1000\r")
time.sleep(1)
os.write(master, b"\x1d")
_, status = os.waitpid(pid, 0)
try:
    while select.select([master], [], [], 0.5)[0]:
        seen += os.read(master, 4096)
except OSError:
    pass
print("exit=%d %s" % (os.waitstatus_to_exitcode(status), seen.decode(errors="replace")))
PY
)
assert_contains "$out" "exit=0" "Ctrl-] leaves the console"
assert_contains "$out" "left the debug console" "Ctrl-] says what it did"
# The hung-up shell and its foreground job are gone; the next session is new.
out=$(printf 'echo sleeps=$(ps -o comm | grep -c "^sleep")\n' | virtc sandbox console --id dbg 2>&1)
assert_eq "sleeps=1" "$out" "only the container's sleep is left after the hang-up"
pass "a script piped in runs with its status; Ctrl-] leaves and hangs the shell up"

virtc sandbox stop --id dbg
virtc sandbox delete --id dbg
assert_clean
pass "the debug console"

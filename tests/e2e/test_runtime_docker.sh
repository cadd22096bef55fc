#!/usr/bin/env bash
# Docker with vc-runtime as a runtime (dockerd → containerd → runc shim →
# vc-runtime), side by side with runc: exit codes, process settings, stdin,
# a terminal, volumes, a detached container's logs/exec/pause/stop/kill/
# restart, and docker's bridge network with a published port (a web server in
# the VM answers through docker's proxy). A private dockerd runs in a network
# namespace of this test's own (the whole test runs under unshare -n), so its
# bridge and firewall rules never touch the host's.
if [ -z "${VC_TEST_NETNS:-}" ]; then
  VC_TEST_NETNS=1 exec unshare -n bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
for tool in dockerd containerd runc script curl; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/setup.sh"
done
# Debian's docker.io client (another docker earlier in PATH may differ).
DOCKER_CLIENT=/usr/bin/docker
[ -x "$DOCKER_CLIENT" ] || fail "$DOCKER_CLIENT missing: run scripts/setup.sh"
source "$(dirname "$0")/runtime_lib.sh"
ip link set lo up

# The runtime as a docker user configures it: the binary and our
# configuration; docker's shim adds --root (under docker's exec-root).
cat >"$WORK/daemon.json" <<JSON
{"runtimes": {"vc": {"path": "$VCR_BIN", "runtimeArgs": ["--config", "$VCR_CONFIG"]}}}
JSON
SOCK="$WORK/docker.sock"
VCR_ROOT="$WORK/exec/runtime-runc/moby"
dockerd --data-root "$WORK/data" --exec-root "$WORK/exec" -H "unix://$SOCK" --pidfile "$WORK/docker.pid" \
  --storage-driver vfs --config-file "$WORK/daemon.json" >"$WORK/dockerd.log" 2>&1 &
DOCKERD=$!
dk() { "$DOCKER_CLIENT" -H "unix://$SOCK" "$@"; }

before_cleanup() {
  if [ "$1" -ne 0 ]; then echo "--- dockerd log (last 30 lines) ---"; tail -n 30 "$WORK/dockerd.log" || true; fi
  dk rm -f $(dk ps -aq 2>/dev/null) >/dev/null 2>&1 || true
  kill "$DOCKERD" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$DOCKERD" 2>/dev/null || break; sleep 0.2; done
  local id
  for id in $("$VCR_BIN" --root "$VCR_ROOT" list -q 2>/dev/null); do
    "$VCR_BIN" --root "$VCR_ROOT" --config "$VCR_CONFIG" delete -f "$id" >/dev/null 2>&1 || true
  done
  grep -F "$WORK" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

for _ in $(seq 100); do dk version >/dev/null 2>&1 && break; sleep 0.2; done
dk version >/dev/null || fail "dockerd did not start"
IMAGE=vc-busybox:latest
tar -C "$ROOTFS" -c . | dk import - "$IMAGE" >/dev/null

# `docker run --rm ARGS` under a runtime; prints "stdout|stderr/status" (the
# two streams are copied apart, so their interleaving is not compared).
run_under() {
  local runtime=$1; shift
  local rc=0 out
  out=$(dk run --rm --runtime "$runtime" --network none "$@" 2>"$WORK/stderr") || rc=$?
  echo "$out|$(cat "$WORK/stderr")/$rc"
}
same_as_runc() {  # what docker-run-args...
  local what=$1; shift
  assert_eq "$(run_under runc "$@")" "$(run_under vc "$@")" "$what: docker with vc-runtime vs runc"
}
same_as_runc "output and exit status" "$IMAGE" sh -c 'echo out; echo err >&2; exit 7'
same_as_runc "environment, user, workdir, hostname" -e FOO=bar -w /tmp -u 1000:1000 --hostname box \
  "$IMAGE" sh -c 'echo "$FOO $(pwd) $(id) $(hostname)"; grep CapEff /proc/self/status'
same_as_runc "a container killed by a signal" "$IMAGE" sh -c 'kill -9 $$'
for cmd in /nonexistent nosuchcmd /etc/passwd; do
  rc_runc=0; dk run --rm --network none "$IMAGE" "$cmd" >/dev/null 2>&1 || rc_runc=$?
  rc_vc=0; dk run --rm --runtime vc --network none "$IMAGE" "$cmd" >/dev/null 2>&1 || rc_vc=$?
  assert_eq "$rc_runc" "$rc_vc" "docker's exit status for command '$cmd'"
done
pass "docker run: output, exit status, process settings, missing commands as under runc"

got=$(echo hello | dk run -i --rm --runtime vc --network none "$IMAGE" sh -c 'read l; echo "got $l"')
assert_eq "got hello" "$got" "stdin through docker run -i"
# A terminal: docker sets its size after the start, so the container waits
# for it. (Under runc busybox's stty reports no size here; only the exit
# status is compared.)
tty_run() {  # runtime
  on_terminal "$DOCKER_CLIENT -H unix://$SOCK run -it --rm --runtime $1 --network none $IMAGE sh -c '$WAIT_SIZE; test -t 0 && echo tty; exit 3'"
}
assert_contains "$(tty_run runc)" "status 3" "docker run -it under runc"
assert_eq "size 27 91
tty
status 3" "$(tty_run vc)" "docker run -it: terminal size and exit status"
pass "docker run -i and -it (terminal size, exit status)"

mkdir -p "$WORK/vol"
dk run --rm --runtime vc --network none -v "$WORK/vol:/data" "$IMAGE" sh -c 'echo written > /data/f'
assert_eq written "$(cat "$WORK/vol/f")" "a file written to a volume, read on the host"
expect_error "Read-only file system" dk run --rm --runtime vc --network none -v "$WORK/vol:/data:ro" "$IMAGE" \
  sh -c 'echo x > /data/h'
pass "docker run -v: read-write and read-only volumes"

dk run -d --name web --runtime vc --network none "$IMAGE" \
  sh -c 'trap "echo stopping; exit 9" TERM; echo started; while :; do sleep 0.2; done' >/dev/null
for _ in $(seq 50); do dk logs web 2>/dev/null | grep -q started && break; sleep 0.2; done
assert_eq started "$(dk logs web)" "docker logs"
rc=0; out=$(dk exec web sh -c 'echo "in $(hostname)"; exit 4') || rc=$?
assert_eq "in $(dk inspect web --format '{{.Config.Hostname}}')/4" "$out/$rc" "docker exec output and status"
assert_eq "got hi" "$(echo hi | dk exec -i web sh -c 'read l; echo "got $l"')" "docker exec -i"
got=$(on_terminal "$DOCKER_CLIENT -H unix://$SOCK exec -it web sh -c 'test -t 0 && echo tty; exit 5'")
assert_eq "tty
status 5" "$got" "docker exec -it (a terminal through the console socket)"
# docker update reaches the container's cgroup in the guest (its resource
# document has zeros for what it leaves alone). Without a cgroup namespace
# the container sees the whole hierarchy, as under runc.
dk update --memory 64m --memory-swap 64m web >/dev/null
assert_eq 67108864 "$(dk exec web sh -c 'cat /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/memory.max')" \
  "memory.max after docker update"
dk pause web >/dev/null
assert_eq paused "$(dk inspect web --format '{{.State.Status}}')" "state after pause"
dk unpause web >/dev/null
dk stop -t 10 web >/dev/null
assert_eq "exited 9" "$(dk inspect web --format '{{.State.Status}} {{.State.ExitCode}}')" "state after stop"
dk start web >/dev/null
assert_eq running "$(dk inspect web --format '{{.State.Status}}')" "state after start again"
dk kill web >/dev/null
dk wait web >/dev/null
assert_eq "exited 137" "$(dk inspect web --format '{{.State.Status}} {{.State.ExitCode}}')" "state after kill"
dk rm web >/dev/null
pass "docker run -d, logs, exec (-i, -it), update, pause/unpause, stop, start again, kill, rm"

# Docker's bridge: its hook puts the container's veth into the namespace of
# the container's pid (the monitor's, made for the VM), and the VM takes it
# over; a published port reaches a web server in the VM through docker's proxy.
out=$(dk run --rm --runtime vc "$IMAGE" sh -c 'ip -o -4 addr show eth0; ip route; ping -c1 -W5 172.17.0.1 >/dev/null && echo gateway-reached')
assert_contains "$out" "172.17.0." "the container's address on docker's bridge"
assert_contains "$out" "default via 172.17.0.1" "the container's default route"
assert_contains "$out" "gateway-reached" "ping to the bridge"
dk run -d --name www --runtime vc -p 8080:80 "$IMAGE" \
  sh -c 'mkdir -p /www && echo hello-from-the-vm > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
body=""
for _ in $(seq 50); do body=$(curl -s --max-time 2 http://127.0.0.1:8080/ || true); [ -n "$body" ] && break; sleep 0.2; done
assert_eq hello-from-the-vm "$body" "a published port (docker's proxy to the VM)"
dk rm -f www >/dev/null
pass "docker's bridge network and a published port"

for _ in $(seq 50); do [ -z "$("$VCR_BIN" --root "$VCR_ROOT" list -q)" ] && break; sleep 0.2; done
assert_eq "" "$("$VCR_BIN" --root "$VCR_ROOT" list -q)" "vc-runtime containers left after docker rm"
assert_eq "" "$(ls "$VCR_ROOT/netns")" "network namespaces left"
assert_clean
pass "nothing left behind"

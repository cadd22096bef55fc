#!/usr/bin/env bash
# Kubernetes pods through containerd's CRI plugin, driven as kubelet drives
# it (vc-cri, the tests' CRI client): the same two-container pod under the
# `runc` handler and under ours (`vc`, one VM per pod), and what a user of
# the pod sees: localhost between its containers, the pod IP from the node,
# hostname, DNS, hosts, logs, exec, attach, resource updates, stats; then
# what only a VM pod has: its host processes in the pod's cgroup, a killed
# VMM, 20 pods in a row, and bad input. The whole test runs in a network
# namespace of its own (`unshare -n`); CNI's bridge lives there.
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd_lib.sh"
source "$(dirname "$0")/cri_lib.sh"

# busybox-static 1.35's wget crashes with -T: bound it with timeout(1) instead.
BUSYBOX=/bin/busybox
before_cleanup() { cri_cleanup "$1"; }
cri_network 10.97.0.0/24
mkdir -p "$WORK/cni-bad"
# A network whose plugin does not exist: CNI ADD fails.
echo '{"cniVersion": "0.4.0", "name": "broken", "plugins": [{"type": "no-such-plugin"}]}' \
  >"$WORK/cni-bad/10-broken.conflist"
echo '[hypervisor' >"$WORK/broken.toml"
mkdir -p "$ROOTFS/www"
echo "hello from the pod" >"$ROOTFS/www/index.html"
echo "10.97.0.1 gateway.pod" >"$WORK/hosts"
# Kata's other mode: only the vCPU threads in the pod's cgroup ([runtime] is VC_CONFIG's last table).
{ cat "$VC_CONFIG"; echo "sandbox_cgroup_only = false"; } >"$WORK/split.toml"
ctd_up_cri "$WORK/cni" "vc-broken=$WORK/broken.toml" "vc-badnet=$VC_CONFIG,$WORK/cni-bad" "vc-split=$WORK/split.toml"

http() { timeout 5 $BUSYBOX wget -q -O- "$1" 2>/dev/null; }

# The pod every handler runs; what its containers saw goes to $OUT_<handler>.
pod_checks() {  # HANDLER
  local h=$1 out=""
  local config; config=$(pod_config "web-$h" "/$CG-$h")
  POD=$(run_pod "$h" "$config") || fail "$h: RunPodSandbox"
  [ "$(pod_state "$POD")" = SANDBOX_READY ] || fail "$h: the pod is not ready"
  POD_IP=$(cri call PodSandboxStatus "{\"pod_sandbox_id\":\"$POD\"}" | jq -r .status.network.ip)
  SERVER=$(start_container "$POD" "$config" "$(container_config server false \
    '["sh", "-c", "echo server up; exec httpd -f -p 8080 -h /www"]')") || fail "$h: server container"
  CLIENT=$(start_container "$POD" "$config" "$(container_config client false \
    '["sh", "-c", "while :; do echo tick; sleep 1; done"]')") || fail "$h: client container"
  SHELL_CTR=$(start_container "$POD" "$config" "$(container_config shell true '["sh"]')") ||
    fail "$h: shell container"
  # Without a terminal, and in a PID namespace of its own (kubelet's default;
  # CRI's is the pod's, which the others have).
  PLAIN=$(start_container "$POD" "$config" "$(container_config plain false '["sh"]' true |
    jq -c '.linux = {security_context: {namespace_options: {pid: "CONTAINER"}}}')") || fail "$h: plain container"

  wait_for 100 cri execsync "$CLIENT" wget -q -O- http://127.0.0.1:8080/index.html ||
    fail "$h: the client does not reach the server on localhost"
  out+="localhost: $(cri execsync "$CLIENT" wget -q -O- http://127.0.0.1:8080/index.html)"$'\n'
  out+="node to pod IP: $(http "http://$POD_IP:8080/index.html")"$'\n'
  out+="hostname: $(cri execsync "$CLIENT" hostname)"$'\n'
  local ns same
  for ns in ipc uts net; do
    same=no
    [ "$(cri execsync "$SERVER" readlink /proc/self/ns/$ns)" = "$(cri execsync "$CLIENT" readlink /proc/self/ns/$ns)" ] && same=yes
    out+="$ns namespace shared: $same"$'\n'
  done
  out+="pod PID namespace: $(cri execsync "$CLIENT" ps -o comm | { grep -cx -e pause -e httpd || true; }) of pause, httpd"$'\n'
  out+="own PID namespace: $(cri execsync "$PLAIN" ps -o comm | { grep -cx -e pause -e httpd || true; }) of pause, httpd"$'\n'
  out+="resolv.conf: $(cri execsync "$CLIENT" cat /etc/resolv.conf | tr '\n' ' ')"$'\n'
  out+="hosts: $(cri execsync "$CLIENT" ping -c 1 -W 5 gateway.pod | grep -o '1 packets received')"$'\n'
  local rc=0 streams
  streams=$(cri execsync "$SERVER" sh -c 'echo to-stdout; echo to-stderr >&2; exit 3' 2>&1) || rc=$?
  out+="execsync: $rc $(tr '\n' ' ' <<<"$streams")"$'\n'
  rc=0
  streams=$(echo 'stty size; exit 7' | timeout 30 "$CRI" exec -i -t --size 100x30 "$SERVER" sh | tr -d '\r' |
    grep -x '30 100') || rc=$?
  out+="exec -it: $rc $streams"$'\n'
  rc=0
  streams=$(timeout 30 "$CRI" exec "$SERVER" sh -c 'echo o; echo e >&2; exit 4' 2>&1) || rc=$?
  # Two channels of one stream: which arrives first is a race, under runc too.
  out+="exec: $rc $(sort <<<"$streams" | tr '\n' ' ')"$'\n'
  rc=0
  streams=$( (sleep 1; echo 'echo attached-$((6*7)); stty size; exit 5') |
    timeout 30 "$CRI" attach -i -t --size 90x20 "$SHELL_CTR" | tr -d '\r' | grep -x -e attached-42 -e '20 90' |
    tr '\n' ' ') || rc=$?
  wait_for 50 container_is "$SHELL_CTR" "CONTAINER_EXITED 5" || fail "$h: the attached shell did not exit 5: $(container_state "$SHELL_CTR"), attach gave $rc: $streams"
  out+="attach -it: $rc $streams; then $(container_state "$SHELL_CTR")"$'\n'
  rc=0
  streams=$( (sleep 1; echo 'echo attached-plain; exit 6') | timeout 30 "$CRI" attach -i "$PLAIN" 2>&1 |
    tr '\n' ' ') || rc=$?
  wait_for 50 container_is "$PLAIN" "CONTAINER_EXITED 6" || fail "$h: the attached plain shell did not exit 6"
  out+="attach -i: $rc $streams; then $(container_state "$PLAIN")"$'\n'
  out+="log: $(grep -c ' stdout F server up$' "$WORK/logs/web-$h/server.log")"$'\n'
  # kubelet's log rotation: the file renamed, then ReopenContainerLog.
  local log="$WORK/logs/web-$h/client.log"
  wait_for 50 grep -q tick "$log" || fail "$h: no tick in the client's log"
  mv "$log" "$log.1"
  cri call ReopenContainerLog "{\"container_id\":\"$CLIENT\"}" >/dev/null || fail "$h: ReopenContainerLog"
  wait_for 50 grep -q tick "$log" || fail "$h: nothing in the client's log after ReopenContainerLog"
  out+="reopened log: $(grep -c ' stdout F tick$' "$log.1" | sed 's/^[1-9][0-9]*$/ticks/') then ticks"$'\n'
  out+="container stats listed: $(cri call ListContainerStats "{\"filter\":{\"pod_sandbox_id\":\"$POD\"}}" |
    jq '.stats | length')"$'\n'
  out+="stats: $(cri call ContainerStats "{\"container_id\":\"$SERVER\"}" |
    jq -r '.stats | [(.cpu.usage_core_nano_seconds.value | tonumber > 0), (.memory.working_set_bytes.value | tonumber > 0)] | @text')"$'\n'
  cri call UpdateContainerResources "{\"container_id\":\"$SERVER\",\"linux\":{\"memory_limit_in_bytes\":104857600,\"cpu_period\":100000,\"cpu_quota\":50000}}" \
    >/dev/null || fail "$h: UpdateContainerResources"
  out+="updated: $(cri call ContainerStatus "{\"container_id\":\"$SERVER\"}" |
    jq -r '.status.resources.linux | "\(.memory_limit_in_bytes) \(.cpu_quota)"')"$'\n'
  printf -v "OUT_$h" '%s' "$out"
}

pod_checks runc
runc_pod=$POD runc_ip=$POD_IP runc_client=$CLIENT
pod_checks vc
assert_eq "$OUT_runc" "$OUT_vc" "what the pod's containers saw, runc against vc"
echo "$OUT_vc" | sed 's/^/   /'
pass "a pod in a VM: localhost between its containers, the node reaches the pod IP, hostname, the pod's and a private PID namespace, DNS, hosts, logs and their reopening, execsync, exec with and without a terminal, attach with and without, stats, updates: the same as under runc"
assert_contains "$OUT_vc" "localhost: hello from the pod" "the pod's own checks"
assert_eq "hello from the pod" "$(cri execsync "$CLIENT" wget -q -O- "http://$runc_ip:8080/index.html")" \
  "the VM pod reaching the runc pod's IP"
assert_eq "hello from the pod" "$(cri execsync "$runc_client" wget -q -O- "http://$POD_IP:8080/index.html")" \
  "the runc pod reaching the VM pod's IP"
pass "pods reach each other's IP across the CNI bridge (VM pod $POD_IP, runc pod $runc_ip)"
assert_contains "$OUT_vc" "attach -it: 0 attached-42 20 90 ; then CONTAINER_EXITED 5" "the pod's own checks"

# The update reached the container's cgroup in the guest.
limits=$(cri execsync "$SERVER" sh -c 'd=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup); cat $d/memory.max $d/cpu.max')
assert_eq "104857600 50000 100000" "$(echo $limits)" "memory.max and cpu.max in the guest after UpdateContainerResources"
pass "UpdateContainerResources: the memory and CPU limits are applied in the guest"

# The VM boots with 1 vCPU and 256 MiB; its containers' limits come on top
# (Kata's rule), hot-plugged: the 0.5 CPU above made it 2 vCPUs (at most the
# host's), a 512 MiB limit adds memory.
vm_size() { cri execsync "$SERVER" sh -c 'echo $(nproc) $(awk "/MemTotal/ {print int(\$2 / 1024)}" /proc/meminfo)'; }
host_cpus=$(nproc)
read -r cpus mem_before < <(vm_size)
assert_eq "$(( host_cpus < 2 ? host_cpus : 2 ))" "$cpus" "vCPUs the guest has online after a 0.5 CPU limit"
cri call UpdateContainerResources "{\"container_id\":\"$SERVER\",\"linux\":{\"memory_limit_in_bytes\":536870912}}" \
  >/dev/null || fail "UpdateContainerResources to 512 MiB"
read -r _ mem_after < <(vm_size)
[ $((mem_after - mem_before)) -ge 380 ] || fail "guest memory went from $mem_before to $mem_after MiB for a 512 MiB limit"
pass "limits beyond the VM's boot size grow it: vCPUs and memory hot-plugged (${cpus} vCPUs; ${mem_before} -> ${mem_after} MiB)"
# More CPUs than the host has: accepted, as under runc; the VM stops at the host's count.
cri call UpdateContainerResources "{\"container_id\":\"$SERVER\",\"linux\":{\"cpu_period\":100000,\"cpu_quota\":6400000}}" \
  >/dev/null || fail "UpdateContainerResources to 64 CPUs"
read -r cpus _ < <(vm_size)
assert_eq "$host_cpus" "$cpus" "vCPUs after a 64-CPU limit on a $host_cpus-CPU host"
assert_eq "6400000 100000" "$(cri execsync "$SERVER" sh -c 'cat /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/cpu.max')" \
  "cpu.max after a 64-CPU limit"
pass "a limit beyond the host is taken, as runc takes it: the VM grows to the host's $host_cpus CPUs"

# The pod's host processes are in its cgroup (the CRI cgroup_parent).
vm_pid=$(pgrep -f -- "qemu-system.*$ROOT" | head -1)
shim_pid=$(pgrep -f -- "containerd-shim-vc-v2 .*-id $POD" | head -1)
[ -n "$vm_pid" ] && [ -n "$shim_pid" ] || fail "no QEMU or shim process for pod $POD"
for pid in $vm_pid $shim_pid $(pgrep -f -- "virtiofsd.*$ROOT") $(pgrep -f -- "vc-supervisor.*$ROOT"); do
  assert_contains "$(grep ':memory:' /proc/"$pid"/cgroup)" ":/$CG-vc/$POD" "the memory cgroup of $(cat /proc/"$pid"/comm)"
done
pass "the shim, the supervisor, virtiofsd and QEMU run in the pod's host cgroup /$CG-vc/<pod>"

remove_pod "$runc_pod"
remove_pod "$POD"
[ -z "$(cri call ListPodSandbox | jq -r '.items[]?.id')" ] || fail "pods listed after their removal"
assert_clean
for d in /sys/fs/cgroup/*/"$CG"-vc; do [ ! -d "$d" ] || fail "cgroup $d left behind"; done
[ -z "$(ls "$WORK/containerd/state/io.containerd.grpc.v1.cri/netns" 2>/dev/null)" ] || fail "pod netns left behind"
[ -z "$(ip -o link show type veth)" ] || fail "veths left behind: $(ip -o link show type veth)"
pass "StopPodSandbox and RemovePodSandbox leave no process, mount, state, cgroup, netns or veth"

# sandbox_cgroup_only = false: the vCPU threads in the pod's cgroup, QEMU's
# other threads, virtiofsd and the supervisor in /vc_overhead/<pod>.
config=$(pod_config split "/$CG-vc")
POD=$(run_pod vc-split "$config") || fail "RunPodSandbox with sandbox_cgroup_only = false"
vm_pid=$(pgrep -f -- "qemu-system.*sandbox-$POD" | head -1)
[ -n "$vm_pid" ] || fail "no QEMU for pod $POD"
assert_contains "$(grep ':memory:' /proc/"$vm_pid"/cgroup)" ":/vc_overhead/$POD" "QEMU's main thread's memory cgroup"
assert_contains "$(grep ':cpu:' /proc/"$(pgrep -f -- "vc-supervisor.*$POD" | head -1)"/cgroup)" ":/vc_overhead/$POD" \
  "the supervisor's cpu cgroup"
vcpu_threads() {  # checks each is in the pod's cgroup; prints how many
  local n=0
  for task in /proc/"$vm_pid"/task/*; do
    case "$(cat "$task/comm")" in
      "CPU "*) n=$((n + 1))
               assert_contains "$(grep ':cpu:' "$task/cgroup")" ":/$CG-vc/$POD" "the cpu cgroup of vCPU thread $(cat "$task/comm")" ;;
    esac
  done
  echo "$n"
}
assert_eq 1 "$(vcpu_threads)" "vCPU threads of a 1-vCPU VM"
# A container with a 1-CPU limit grows the VM by a vCPU: its thread joins too.
start_container "$POD" "$config" "$(container_config limited false '["sleep", "1000"]' |
  jq -c '.linux = {resources: {cpu_period: 100000, cpu_quota: 100000}}')" >/dev/null || fail "container with a CPU limit"
vcpus=$(( $(nproc) < 2 ? $(nproc) : 2 ))
assert_eq "$vcpus" "$(vcpu_threads)" "vCPU threads after a 1-CPU limit"
remove_pod "$POD"
assert_clean
[ ! -d "/sys/fs/cgroup/memory/vc_overhead/$POD" ] || fail "overhead cgroup of $POD left behind"
pass "sandbox_cgroup_only = false: the vCPU threads ($vcpus, one hot-plugged) in the pod's cgroup, the rest of the VM in /vc_overhead/<pod>; removed with the pod"

# kill -9 of the VMM under a running pod: the pod turns NotReady, its
# containers exited, and removing it leaves nothing (Kata's TestKilledVmmCleanup).
config=$(pod_config killed "/$CG-vc")
POD=$(run_pod vc "$config") || fail "RunPodSandbox"
CTR=$(start_container "$POD" "$config" "$(container_config sleeper false '["sleep", "1000"]')") || fail "container"
kill -9 "$(pgrep -f -- "qemu-system.*$ROOT" | head -1)"
wait_for 50 pod_is "$POD" SANDBOX_NOTREADY || fail "the pod is $(pod_state "$POD") 10 s after its VMM was killed"
wait_for 50 container_is "$CTR" "CONTAINER_EXITED 137" || fail "the container is $(container_state "$CTR")"
remove_pod "$POD"
assert_clean
pass "kill -9 of QEMU: the pod is NotReady, its container exited 137, and its removal leaves nothing"

# Pods created and removed in a row leave nothing.
for i in $(seq 20); do
  config=$(pod_config "loop-$i" "/$CG-vc")
  POD=$(run_pod vc "$config") || fail "RunPodSandbox $i"
  remove_pod "$POD"
done
assert_clean
[ -z "$(ip -o link show type veth)" ] || fail "veths left behind after 20 pods"
for d in /sys/fs/cgroup/*/"$CG"-vc; do [ ! -d "$d" ] || fail "cgroup $d left behind after 20 pods"; done
pass "20 pods created and removed in a row: nothing left"

# Bad input: a clear error, nothing left.
expect_error "broken.toml" cri call RunPodSandbox \
  "$(jq -cn --argjson c "$(pod_config broken "/$CG-vc")" '{config: $c, runtime_handler: "vc-broken"}')"
expect_error "no-such-plugin" cri call RunPodSandbox \
  "$(jq -cn --argjson c "$(pod_config badnet "/$CG-vc")" '{config: $c, runtime_handler: "vc-badnet"}')"
expect_error "not found" cri call CreateContainer \
  "$(jq -cn --argjson c "$(container_config x false '["true"]')" --argjson s "$(pod_config x "/$CG-vc")" \
    '{pod_sandbox_id: "no-such-pod", config: $c, sandbox_config: $s}')"
[ -z "$(cri call ListPodSandbox | jq -r '.items[] | select(.state == "SANDBOX_READY") | .id')" ] ||
  fail "a failed RunPodSandbox left a ready pod"
assert_clean
pass "a handler with a broken configuration, a failing CNI ADD and an unknown pod id are refused clearly; nothing left"

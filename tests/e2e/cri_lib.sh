# What the pod tests share (sourced after containerd_lib.sh): their tools,
# the pods' network and cleanup, and the CRI messages and calls (after
# ctd_up_cri): JSON for vc-cri, as kubelet fills it. A container mounts
# $WORK/hosts as /etc/hosts when that file exists. The pods' cgroup parents
# are /$CG-<handler>.
CNI_BIN=/usr/lib/cni
CG=vc-e2e-$$
[ -x "$CRI" ] || fail "missing $CRI: build the project first (scripts/build.sh)"
for tool in "$CNI_BIN/bridge" "$CNI_BIN/host-local" "$CNI_BIN/loopback" runc jq; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/setup.sh"
done

# cri_cleanup STATUS (for a test's before_cleanup): pods a failed check left,
# removed through CRI while containerd runs; containerd; the pods' cgroups.
cri_cleanup() {
  ctd_log_tail "$1" 40
  ctd_remove_pods "$CRI"
  ctd_stop
  for d in /sys/fs/cgroup/*/"$CG"-*; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  true
}

# cri_network SUBNET: loopback up, and the pods' CNI network in $WORK/cni:
# a bridge (vcpods0) in this test's network namespace, addresses from SUBNET.
cri_network() {
  ip link set lo up
  mkdir -p "$WORK/cni" "$WORK/logs"
  cat >"$WORK/cni/10-pods.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "vc-pods", "plugins": [{
  "type": "bridge", "bridge": "vcpods0", "isGateway": true, "ipMasq": false,
  "ipam": {"type": "host-local", "subnet": "$1", "routes": [{"dst": "0.0.0.0/0"}],
           "dataDir": "$WORK/cni-ipam"}}]}
JSON
}
pod_config() {  # NAME CGROUP_PARENT
  jq -cn --arg name "$1" --arg logs "$WORK/logs/$1" --arg cg "$2" '{
    metadata: {name: $name, namespace: "default", uid: ("uid-" + $name), attempt: 0},
    hostname: "webpod", log_directory: $logs,
    dns_config: {servers: ["10.97.0.1"], searches: ["svc.test"], options: ["ndots:2"]},
    linux: {cgroup_parent: $cg}}'
}
container_config() {  # NAME TTY COMMAND_JSON [STDIN (default: TTY)]
  local hosts=""
  [ -f "$WORK/hosts" ] && hosts=$WORK/hosts
  jq -cn --arg name "$1" --argjson tty "$2" --argjson cmd "$3" --argjson stdin "${4:-$2}" --arg image "$IMAGE" \
    --arg hosts "$hosts" '{
    metadata: {name: $name}, image: {image: $image}, command: $cmd, log_path: ($name + ".log"),
    tty: $tty, stdin: $stdin}
    + if $hosts == "" then {} else {mounts: [{container_path: "/etc/hosts", host_path: $hosts, readonly: true}]} end'
}
run_pod() {  # HANDLER POD_CONFIG -> pod id
  cri call RunPodSandbox "$(jq -cn --argjson c "$2" --arg h "$1" '{config: $c, runtime_handler: $h}')" |
    jq -r .pod_sandbox_id
}
start_container() {  # POD POD_CONFIG CONTAINER_CONFIG -> container id
  local id
  id=$(cri call CreateContainer "$(jq -cn --arg p "$1" --argjson s "$2" --argjson c "$3" \
    '{pod_sandbox_id: $p, config: $c, sandbox_config: $s}')" | jq -r .container_id) || return 1
  cri call StartContainer "{\"container_id\":\"$id\"}" >/dev/null || return 1
  echo "$id"
}
remove_pod() {  # POD
  cri call StopPodSandbox "{\"pod_sandbox_id\":\"$1\"}" >/dev/null
  cri call RemovePodSandbox "{\"pod_sandbox_id\":\"$1\"}" >/dev/null
}
pod_state() { cri call PodSandboxStatus "{\"pod_sandbox_id\":\"$1\"}" | jq -r .status.state; }
container_state() { cri call ContainerStatus "{\"container_id\":\"$1\"}" | jq -r '.status | "\(.state) \(.exit_code)"'; }
pod_is() { [ "$(pod_state "$1")" = "$2" ]; }
container_is() { [ "$(container_state "$1")" = "$2" ]; }
wait_for() {  # TRIES COMMAND... : until it succeeds, 0.2 s apart
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

# The CRI messages and calls the pod tests share (sourced after
# containerd_lib.sh and ctd_up_cri): JSON for vc-cri, as kubelet fills it.
# A container mounts $WORK/hosts as /etc/hosts when that file exists.
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

# Sourced by tests and benchmarks: a containerd of their own, with its root,
# state and sockets under a directory they own, and the project's shim on its
# PATH. After ctd_start: $CTD_SOCK, $CTD_LOG, and ctr as `ctd_ctr ...`.
#   ctd_start DIR BIN_DIR    start it (fails with the log's tail if it does not come up)
#   ctd_start_cri DIR BIN_DIR VC_CONFIG CNI_CONF_DIR [HANDLER=VC_CONFIG[,CNI_CONF_DIR]...]
#                            the same with the CRI plugin (on $CTD_SOCK): runtime
#                            handlers `vc` (our shim, VC_CONFIG) and `runc`, CNI
#                            plugins from /usr/lib/cni with the configs in
#                            CNI_CONF_DIR, pod netns files under its state dir;
#                            more handlers of our shim with their own configuration
#   ctd_import TAR [NS]      import an image archive (scripts/make-oci-image.sh) into
#                            namespace NS (default: ctr's; CRI's is k8s.io)
#   ctd_remove_pods VC_CRI   stop and remove every pod through CRI (VC_CRI: the tests' client, vc-cri)
#   ctd_stop                 stop it, kill shims it left (and their sockets), unmount their bundles

ctd_start() {
  _ctd_config "$1" 'disabled_plugins = ["io.containerd.grpc.v1.cri"]'
  _ctd_run "$2"
}

ctd_start_cri() {
  local cri='io.containerd.grpc.v1.cri'
  _ctd_config "$1" "$(cat <<TOML
[plugins."$cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  restrict_oom_score_adj = $(_ctd_oom_restricted)
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
[plugins."$cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "$4"
[plugins."$cri".containerd]
  default_runtime_name = "runc"
[plugins."$cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
$(_ctd_vc_handler vc "$3")
$(for h in "${@:5}"; do _ctd_vc_handler "${h%%=*}" "${h#*=}"; done)
TOML
)"
  _ctd_run "$2"
}

# "true" where this process may not lower an oom_score_adj (no
# CAP_SYS_RESOURCE: a user namespace, a confined container), as CRI's pods ask.
_ctd_oom_restricted() {
  if sh -c 'echo -998 >/proc/self/oom_score_adj' 2>/dev/null; then echo false; else echo true; fi
}

_ctd_vc_handler() {  # NAME VC_CONFIG[,CNI_CONF_DIR]
  local cri='plugins."io.containerd.grpc.v1.cri".containerd.runtimes'
  cat <<TOML
[$cri.$1]
  runtime_type = "io.containerd.vc.v2"
  cni_conf_dir = "$(case $2 in *,*) echo "${2#*,}" ;; esac)"
[$cri.$1.options]
  ConfigPath = "${2%%,*}"
TOML
}

_ctd_config() {  # DIR TOML (top-level keys, then tables)
  CTD_DIR=$1
  CTD_SOCK="$CTD_DIR/containerd.sock"
  CTD_LOG="$CTD_DIR/containerd.log"
  mkdir -p "$CTD_DIR"
  cat >"$CTD_DIR/config.toml" <<TOML
version = 2
root = "$CTD_DIR/root"
state = "$CTD_DIR/state"
$2
[grpc]
  address = "$CTD_SOCK"
TOML
}

_ctd_run() {  # BIN_DIR
  local bin_dir=$1
  PATH="$bin_dir:$PATH" containerd --config "$CTD_DIR/config.toml" >"$CTD_LOG" 2>&1 &
  CTD_PID=$!
  for _ in $(seq 100); do ctd_ctr version >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "containerd did not start: $(tail -n 5 "$CTD_LOG")" >&2
  return 1
}

ctd_ctr() { ctr --address "$CTD_SOCK" "$@"; }

ctd_import() { ctd_ctr -n "${2:-default}" images import "$1" >/dev/null; }

ctd_remove_pods() {
  [ -n "${CTD_PID:-}" ] || return 0
  local p
  for p in $("$1" --socket "$CTD_SOCK" call ListPodSandbox 2>/dev/null | jq -r '.items[]?.id'); do
    "$1" --socket "$CTD_SOCK" call StopPodSandbox "{\"pod_sandbox_id\":\"$p\"}" >/dev/null 2>&1 || true
    "$1" --socket "$CTD_SOCK" call RemovePodSandbox "{\"pod_sandbox_id\":\"$p\"}" >/dev/null 2>&1 || true
  done
}

ctd_stop() {
  [ -n "${CTD_PID:-}" ] || return 0
  kill "$CTD_PID" 2>/dev/null || true
  wait "$CTD_PID" 2>/dev/null || true
  # Shims still running (a failed test) are killed; their sockets go too.
  local sockets
  sockets=$(cat "$CTD_DIR"/state/io.containerd.runtime.v2.task/*/*/address 2>/dev/null | sed 's#^unix://##' || true)
  pkill -9 -f -- "containerd-shim-vc-v2 .*-address $CTD_SOCK" 2>/dev/null || true
  for s in $sockets; do rm -f "$s"; done
  grep -F "$CTD_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  CTD_PID=
}

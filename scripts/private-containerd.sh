# Sourced by tests and benchmarks: a containerd of their own, with its root,
# state and sockets under a directory they own, and the project's shim on its
# PATH. After ctd_start: $CTD_SOCK, $CTD_LOG, and ctr as `ctd_ctr ...`.
#   ctd_start DIR BIN_DIR    start it (fails with the log's tail if it does not come up)
#   ctd_import TAR           import an image archive (scripts/make-oci-image.sh)
#   ctd_stop                 stop it, kill shims it left (and their sockets), unmount their bundles

ctd_start() {
  CTD_DIR=$1
  local bin_dir=$2
  CTD_SOCK="$CTD_DIR/containerd.sock"
  CTD_LOG="$CTD_DIR/containerd.log"
  mkdir -p "$CTD_DIR"
  cat >"$CTD_DIR/config.toml" <<TOML
version = 2
root = "$CTD_DIR/root"
state = "$CTD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD_SOCK"
TOML
  PATH="$bin_dir:$PATH" containerd --config "$CTD_DIR/config.toml" >"$CTD_LOG" 2>&1 &
  CTD_PID=$!
  for _ in $(seq 100); do ctd_ctr version >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "containerd did not start: $(tail -n 5 "$CTD_LOG")" >&2
  return 1
}

ctd_ctr() { ctr --address "$CTD_SOCK" "$@"; }

ctd_import() { ctd_ctr images import "$1" >/dev/null; }

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

# Shared setup of the tests that drive a private containerd (sourced after
# lib.sh): the tools, our shim, its configuration $VC_CONFIG (passed as ctr's
# --runtime-config-path; state under $ROOT, so lib.sh's leftover checks see
# our supervisors and mounts), the helpers of scripts/private-containerd.sh,
# and ctd_up, which starts containerd and imports the busybox image $IMAGE.
for tool in containerd ctr; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/setup.sh"
done
SHIM="$VC_BUILD/bin/containerd-shim-vc-v2"
[ -x "$SHIM" ] || fail "missing $SHIM: build the project first (scripts/build.sh)"

VC_CONFIG="$WORK/vc.toml"
cat >"$VC_CONFIG" <<TOML
$HYPERVISOR_TOML
[runtime]
state_root = "$ROOT"
TOML

source "$VC_SOURCE/scripts/private-containerd.sh"
IMAGE=docker.io/library/vc-busybox:latest

# Starts the private containerd and imports $ROOTFS as $IMAGE.
ctd_up() {
  ctd_start "$WORK/containerd" "$VC_BUILD/bin" || fail "containerd did not start"
  bash "$VC_SOURCE/scripts/make-oci-image.sh" "$ROOTFS" "$WORK/image.tar" "$IMAGE"
  ctd_import "$WORK/image.tar"
}

# ctd_log_tail STATUS LINES: containerd's last LINES lines when STATUS says
# the test failed (for a test's before_cleanup).
ctd_log_tail() {
  if [ "$1" -ne 0 ] && [ -n "${CTD_LOG:-}" ]; then
    echo "--- containerd log (last $2 lines) ---"; tail -n "$2" "$CTD_LOG" || true
  fi
}

# The same with containerd's CRI plugin, for pods (runtime handlers `vc` and
# `runc`): the CNI configs in CNI_CONF_DIR; $IMAGE and a static pause image
# tagged as containerd's default sandbox image, both in CRI's namespace
# (k8s.io), so nothing is pulled. After it, `cri ...` (or "$CRI" ..., for
# timeout(1)) runs the CRI test client on containerd's socket.
ctd_up_cri() {  # CNI_CONF_DIR [HANDLER=VC_CONFIG[,CNI_CONF_DIR]...]
  local pause_root="$WORK/pause-rootfs"
  ctd_start_cri "$WORK/containerd" "$VC_BUILD/bin" "$VC_CONFIG" "$@" || fail "containerd did not start"
  bash "$VC_SOURCE/scripts/make-oci-image.sh" "$ROOTFS" "$WORK/image.tar" "$IMAGE"
  ctd_import "$WORK/image.tar" k8s.io
  mkdir -p "$pause_root"
  cp "$VC_BUILD/bin/vc-test-pause" "$pause_root/pause"
  bash "$VC_SOURCE/scripts/make-oci-image.sh" "$pause_root" "$WORK/pause.tar" registry.k8s.io/pause:3.6 '["/pause"]'
  ctd_import "$WORK/pause.tar" k8s.io
  export CRI_SOCKET=$CTD_SOCK
}

CRI="$VC_BUILD/bin/vc-cri"
cri() { "$CRI" "$@"; }

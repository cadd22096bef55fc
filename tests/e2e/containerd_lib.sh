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
[hypervisor]
kernel = "$VC_BUILD/guest/vmlinuz"
initrd = "$VC_BUILD/guest/initramfs.cpio"
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

# The core end-to-end tests again with the roots and volumes shared over
# virtio-9p instead of virtio-fs (VC_SHARED_FS, read by lib.sh's virtc).
source "$(dirname "$0")/lib.sh"

out=$(virtc --shared-fs virtio-9p run --rootfs "$ROOTFS" -- sh -c 'grep " / " /proc/mounts | cut -d" " -f3')
assert_eq 9p "$out" "the container root's file system"
pass "--shared-fs virtio-9p: the container's root is a 9p share"
assert_clean

for t in test_run test_lifecycle test_oci_mounts; do
  echo "# $t on virtio-9p"
  VC_SHARED_FS=virtio-9p bash "$(dirname "$0")/$t.sh" || fail "$t failed on virtio-9p"
  pass "$t passes on virtio-9p"
done

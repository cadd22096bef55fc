# Disks: a container whose root is an image file or a host block device,
# attached to the VM on virtio-blk or virtio-scsi and mounted by the guest;
# what is written reaches the disk; bad disks are refused before anything
# changes; nothing is left after QEMU is killed with a disk attached.
source "$(dirname "$0")/lib.sh"

command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null || fail "mkfs.ext4/debugfs missing: run scripts/setup.sh (e2fsprogs)"
command -v mkfs.xfs >/dev/null || fail "mkfs.xfs missing: run scripts/setup.sh (xfsprogs)"

LOOPS=()
before_cleanup() {
  local l
  for l in "${LOOPS[@]}"; do
    umount "$l" 2>/dev/null || true
    losetup -d "$l" 2>/dev/null || true
  done
}

# An ext4 image of the test rootfs.
make_image() {  # path
  rm -f "$1"
  truncate -s 64M "$1"
  mkfs.ext4 -q -d "$ROOTFS" "$1"
}
# A file inside the image, read on the host without mounting it.
image_cat() {  # image path-inside
  debugfs -R "cat $2" "$1" 2>/dev/null
}
loops_of() {  # image: the host loop devices backed by it
  losetup -j "$1" | cut -d: -f1
}

IMAGE="$WORK/root.img"
make_image "$IMAGE"

# The second run starts from what the first wrote: the container restarted
# on another bus, the data in the image.
before=""
for driver in virtio-blk virtio-scsi; do
  out=$(virtc --block-driver "$driver" run --rootfs-image "$IMAGE" -- \
    sh -c 'grep " / " /proc/mounts | cut -d" " -f1,3; cat /data.txt 2>/dev/null; echo "written on '"$driver"'" >> /data.txt')
  case $driver in virtio-blk) want="/dev/vda ext4" ;; virtio-scsi) want="/dev/sda ext4" ;; esac
  assert_eq "$want${before:+$'\n'}$before" "$out" "the root in the guest on $driver, and what an earlier run wrote"
  before="${before:+$before$'\n'}written on $driver"
  assert_eq "$before" "$(image_cat "$IMAGE" /data.txt)" "the data in the image after the run ($driver)"
  pass "$driver: the container's root is the image; what it wrote is in the image on the host and in the next run"
  assert_clean
done
DATA=$before

# A read-only root (the spec's root.readonly): the disk is attached read-only.
BUNDLE="$WORK/bundle"
mkdir -p "$BUNDLE/rootfs"
cat > "$BUNDLE/config.json" <<'EOF'
{"ociVersion": "1.0.2", "root": {"path": "rootfs", "readonly": true},
 "process": {"args": ["sh", "-c", "grep ' / ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1; echo x > /ro.txt"],
             "cwd": "/", "env": ["PATH=/bin:/sbin"]},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}]}
EOF
rc=0
out=$(virtc run --bundle "$BUNDLE" --rootfs-image "$IMAGE" 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "writing to a read-only root disk succeeded"
assert_eq ro "$(head -n1 <<<"$out")" "the root's mount options"
assert_contains "$out" "Read-only file system" "the write's error"
[ -z "$(image_cat "$IMAGE" /ro.txt)" ] || fail "a read-only root disk was written"
pass "root.readonly: the disk is attached read-only and refuses writes"
assert_clean

# An xfs image.
XFS="$WORK/xfs.img"
truncate -s 300M "$XFS"
mkfs.xfs -q "$XFS"
# mkfs.xfs cannot fill it from a directory: the rootfs goes in through a host mount.
mkdir -p "$WORK/xfs"
LOOPS+=("$(losetup -f --show "$XFS")")
mount "${LOOPS[-1]}" "$WORK/xfs"
cp -a "$ROOTFS/." "$WORK/xfs/"
umount "$WORK/xfs"
losetup -d "${LOOPS[-1]}"
out=$(virtc run --rootfs-image "$XFS" -- sh -c 'grep " / " /proc/mounts | cut -d" " -f3')
assert_eq xfs "$out" "the root's file system"
pass "an xfs image is a root too"

# A host block device (a loop device here, as containerd's devmapper
# snapshotter would give a device-mapper one).
DEV=$(losetup -f --show "$IMAGE")
LOOPS+=("$DEV")
out=$(virtc run --rootfs-image "$DEV" -- cat /data.txt)
assert_eq "$DATA" "$out" "the data read from a block device root"
pass "a host block device ($DEV) is a root"
mkdir -p "$WORK/mnt"
mount -o ro "$DEV" "$WORK/mnt"
expect_error "is in use on the host (mounted" virtc run --rootfs-image "$DEV" -- true
umount "$WORK/mnt"
pass "a block device mounted on the host is refused"
expect_error "is in use on the host: $DEV is backed by it" virtc run --rootfs-image "$IMAGE" -- true
losetup -d "$DEV"
pass "an image file a host loop device uses is refused"
assert_clean

# Bad disks: refused before a sandbox exists.
head -c 1M /dev/urandom > "$WORK/garbage.img"
expect_error "holds no file system the guest can mount" virtc run --rootfs-image "$WORK/garbage.img" -- true
expect_error "is neither a block device nor a regular file" virtc run --rootfs-image "$WORK" -- true
expect_error "No such file" virtc run --rootfs-image "$WORK/none.img" -- true
[ ! -d "$ROOT/sbs" ] || [ -z "$(ls -A "$ROOT/sbs")" ] || fail "a refused disk left a sandbox"
pass "an unknown file system, a directory, a missing file: clear errors, no sandbox"

# Two sandboxes cannot write one image: QEMU's lock on it says so.
id=$(virtc sandbox run --rootfs-image "$IMAGE" -- sleep 600)
expect_error "$IMAGE is in use by another VM or program" virtc run --rootfs-image "$IMAGE" -- true
pass "an image another sandbox writes is refused"

# QEMU killed with the disk attached: nothing left, the image usable again.
pkill -9 -f -- "qemu-system-x86_64 -name sandbox-$id" || fail "no QEMU for sandbox $id"
for _ in $(seq 50); do virtc sandbox status --id "$id" 2>/dev/null | grep -q stopped && break; sleep 0.1; done
virtc sandbox delete --id "$id" --force >/dev/null
assert_clean
assert_eq "" "$(loops_of "$IMAGE")" "loop devices backed by the image"
out=$(virtc run --rootfs-image "$IMAGE" -- cat /data.txt)
assert_eq "$DATA" "$out" "the image after its VM was killed"
pass "kill -9 of QEMU with a disk attached: nothing left behind, the image attaches again"

# microvm: SCSI disks hot-plug (the controller is there from boot); virtio-blk
# would need PCI hot-plug, which microvm has not.
out=$(virtc --machine microvm --block-driver virtio-scsi run --rootfs-image "$IMAGE" -- cat /data.txt)
assert_eq "$DATA" "$out" "a root disk on microvm"
expect_error 'use hypervisor.block_device_driver = "virtio-scsi"' virtc --machine microvm run --rootfs-image "$IMAGE" -- true
pass "microvm takes disks on virtio-scsi and says so for virtio-blk"
assert_clean

# Block volumes: a spec mount of an image's file system, and a direct volume
# (a host path registered with its disk) bind-mounted by the spec; both
# attached to the running sandbox when the container is created.
VOL="$WORK/vol.img"
truncate -s 32M "$VOL"
mkfs.ext4 -q "$VOL"
DVOL="$WORK/dvol.img"
truncate -s 300M "$DVOL"
mkfs.xfs -q "$DVOL"
DPATH="$WORK/kubelet/pods/p1/volumes/data"
mkdir -p "$DPATH"
virtc volume add --device "$DVOL" "$DPATH"
expect_error "already registered" virtc volume add --device "$DVOL" "$DPATH"
expect_error "holds xfs, not ext4" virtc volume add --device "$DVOL" --fstype ext4 "$WORK/other"
expect_error "holds no file system" virtc volume add --device "$WORK/garbage.img" "$WORK/other"
# virtio-blk takes a PCIe slot per disk (2 empty by default): three volumes go on SCSI.
id=$(virtc --block-driver virtio-scsi sandbox run --rootfs "$ROOTFS" -- sleep 600)
VBUNDLE="$WORK/vbundle"
mkdir -p "$VBUNDLE"
ln -s "$ROOTFS" "$VBUNDLE/rootfs"
cat > "$VBUNDLE/config.json" <<EOF2
{"ociVersion": "1.0.2", "root": {"path": "rootfs"},
 "process": {"args": ["sh", "-c", "echo v1 > /vol1/f; echo d > /data/g; grep -E ' /(vol1|data|vol2) ' /proc/mounts | cut -d' ' -f2,3,4 | cut -d, -f1; sleep 600"],
             "cwd": "/", "env": ["PATH=/bin:/sbin"]},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/vol1", "type": "ext4", "source": "$VOL", "options": ["noatime"]},
            {"destination": "/data", "type": "bind", "source": "$DPATH", "options": ["rbind"]},
            {"destination": "/vol2", "type": "ext4", "source": "$IMAGE", "options": ["ro"]}]}
EOF2
virtc container create --sandbox "$id" --id vols --bundle "$VBUNDLE"
virtc container start --sandbox "$id" --id vols >/dev/null
sleep 1
out=$(virtc container enter --sandbox "$id" --id vols -- sh -c 'grep -E " /(vol1|data|vol2) " /proc/mounts | cut -d" " -f2,3,4 | cut -d, -f1 | sort; cat /vol2/data.txt | head -n1; (echo x > /vol2/y) 2>/dev/null || echo refused')
assert_eq $'/data xfs rw\n/vol1 ext4 rw\n/vol2 ext4 ro\nwritten on virtio-blk\nrefused' "$out" "the volumes in the container"
pass "an ext4 image mount, a direct volume (xfs) and a read-only image mount are disks in the guest"
stats=$(virtc volume stats --json "$DPATH")
assert_eq "vols" "$(jq -r .container_id <<<"$stats")" "the container the volume stats name"
[ "$(jq -r .capacity_bytes <<<"$stats")" -gt $((200 << 20)) ] || fail "volume capacity: $stats"
[ "$(jq -r .used_bytes <<<"$stats")" -gt 0 ] || fail "volume used bytes: $stats"
pass "volume stats come from the guest's file system ($(jq -c '{capacity_bytes, used_bytes, inodes_used}' <<<"$stats"))"
expect_error "is in use by container vols" virtc volume remove "$DPATH"
pass "a direct volume a container has cannot be removed"
virtc container kill --sandbox "$id" --id vols --signal KILL
for _ in $(seq 50); do virtc container status --sandbox "$id" --id vols 2>/dev/null | grep -q stopped && break; sleep 0.1; done
virtc container delete --sandbox "$id" --id vols
assert_eq "v1" "$(image_cat "$VOL" /f)" "what the container wrote to the ext4 volume"
virtc volume remove "$DPATH"
expect_error "no direct volume" virtc volume stats "$DPATH"
pass "deleting the container detaches its volumes; the volume is removed after"
virtc sandbox stop --id "$id" >/dev/null
virtc sandbox delete --id "$id" >/dev/null
assert_clean

# Growing a direct volume a container has: the image is extended (QEMU's
# block_resize), the guest sees the new capacity (virtio-blk is told; a SCSI
# disk is rescanned) and ext4 or xfs grows online. Never shrunk.
GVOL="$WORK/grow.img"
GPATH="$WORK/kubelet/pods/p2/volumes/grow"
mkdir -p "$GPATH"
# driver, file system, size before and after (MiB; xfs wants 300 at least).
for run in "virtio-blk ext4 64 160" "virtio-scsi ext4 64 160" "virtio-blk xfs 300 600" "virtio-scsi xfs 300 600"; do
  read -r driver fs small big <<<"$run"
  rm -f "$GVOL"
  truncate -s "${small}M" "$GVOL"
  "mkfs.$fs" -q "$GVOL"
  virtc volume add --device "$GVOL" "$GPATH"
  id=$(virtc --block-driver "$driver" sandbox run --rootfs "$ROOTFS" -- sleep 600)
  GBUNDLE="$WORK/gbundle"
  mkdir -p "$GBUNDLE"
  ln -sfn "$ROOTFS" "$GBUNDLE/rootfs"
  jq -n --arg src "$GPATH" '{ociVersion: "1.0.2", root: {path: "rootfs"},
    process: {args: ["sleep", "600"], cwd: "/", env: ["PATH=/bin:/sbin"]},
    mounts: [{destination: "/proc", type: "proc", source: "proc"},
             {destination: "/grow", type: "bind", source: $src, options: ["rbind"]}]}' >"$GBUNDLE/config.json"
  virtc container create --sandbox "$id" --id grow --bundle "$GBUNDLE"
  virtc container start --sandbox "$id" --id grow >/dev/null
  before=$(virtc volume stats --json "$GPATH" | jq -r .capacity_bytes)
  [ "$before" -lt $((small << 20)) ] || fail "capacity before the resize ($driver, $fs): $before"
  expect_error "is not shrunk" virtc volume resize "$GPATH" $((small / 2))M
  virtc volume resize "$GPATH" "${big}M"
  assert_eq $((big << 20)) "$(stat -c %s "$GVOL")" "the image's size after the resize ($driver, $fs)"
  after=$(virtc volume stats --json "$GPATH" | jq -r .capacity_bytes)
  [ "$after" -gt $((big * 7 / 8 << 20)) ] || fail "capacity after the resize ($driver, $fs): $after (before: $before)"
  virtc container enter --sandbox "$id" --id grow -- sh -c "yes 0123456789 | head -c $(((small + 16) << 20)) >/grow/big" ||
    fail "writing past the old size of the volume ($driver, $fs)"
  virtc container kill --sandbox "$id" --id grow --signal KILL
  for _ in $(seq 50); do virtc container status --sandbox "$id" --id grow 2>/dev/null | grep -q stopped && break; sleep 0.1; done
  virtc container delete --sandbox "$id" --id grow
  virtc sandbox stop --id "$id" >/dev/null
  virtc sandbox delete --id "$id" >/dev/null
  virtc volume remove "$GPATH"
  if [ "$fs" = xfs ]; then check=(xfs_repair -n "$GVOL"); else check=(e2fsck -fn "$GVOL"); fi
  "${check[@]}" >/dev/null 2>&1 || fail "the grown file system does not check clean ($driver, $fs)"
  pass "a direct volume ($fs) grows while its container runs on $driver ($before -> $after bytes), clean after"
done
assert_clean

# linux.devices naming a host block device (a raw one here: no file system):
# the disk goes to the VM and the container's node gets its guest numbers,
# with the cgroup rule that allowed the host's.
RAW="$WORK/raw.img"
truncate -s 8M "$RAW"
DEV=$(losetup -f --show "$RAW")
LOOPS+=("$DEV")
major=$((16#$(stat -c %t "$DEV")))
minor=$((16#$(stat -c %T "$DEV")))
DBUNDLE="$WORK/dbundle"
mkdir -p "$DBUNDLE"
ln -s "$ROOTFS" "$DBUNDLE/rootfs"
cat > "$DBUNDLE/config.json" <<EOF2
{"ociVersion": "1.0.2", "root": {"path": "rootfs"},
 "process": {"args": ["sh", "-c", "ls -l /dev/xda | cut -c1; echo raw-data | dd of=/dev/xda bs=512 conv=sync 2>/dev/null; sync; (head -c 1 /dev/vda) 2>/dev/null || echo no-other-disks"],
             "cwd": "/", "env": ["PATH=/bin:/sbin"]},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
 "linux": {"devices": [{"path": "/dev/xda", "type": "b", "major": $major, "minor": $minor, "fileMode": 432}],
           "resources": {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "b", "major": $major, "minor": $minor, "access": "rw"}]}}}
EOF2
out=$(virtc run --bundle "$DBUNDLE")
assert_eq $'b\nno-other-disks' "$out" "the device node, and no other disk"
assert_eq "raw-data" "$(head -c 8 "$DEV")" "what the container wrote to the host's block device"
losetup -d "$DEV"
pass "a host block device in linux.devices is passed through (its cgroup rule follows its guest numbers)"
assert_clean

#!/usr/bin/env bash
# VFIO passthrough, as far as a host without an IOMMU allows: a container
# whose linux.devices names an IOMMU group's node (/dev/vfio/<group>) is
# refused with a clear "no IOMMU", in a new sandbox and in a running one
# (which keeps running), and no host PCI device changes driver. Passing a
# device itself needs an IOMMU and a free device: said visibly below.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

# Every host PCI function's driver, to compare at the end.
drivers() {
  local d
  for d in /sys/bus/pci/devices/*; do
    printf '%s %s\n' "$(basename "$d")" "$(basename "$(readlink "$d/driver" 2>/dev/null || echo none)")"
  done
}
before=$(drivers)

if [ -n "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then
  # An IOMMU: the group that is not there is what can be asserted.
  want="the host has no IOMMU group 999999"
  group=999999
else
  want="the host has no IOMMU (/sys/kernel/iommu_groups is empty): PCI passthrough needs VT-d or AMD-Vi"
  group=0
fi

b=$(new_bundle vfio)
spec_set "$b" '.linux.devices = [{path: $node, type: "c", major: 243, minor: 0},
                                  {path: "/dev/vfio/vfio", type: "c", major: 10, minor: 196}]' \
  --arg node "/dev/vfio/$group"
spec_script "$b" 'true'
refused "$b" "linux.devices /dev/vfio/$group: $want" "a VFIO group on this host"

b=$(new_bundle vfio-bad)
spec_set "$b" '.linux.devices = [{path: "/dev/vfio/x1", type: "c", major: 243, minor: 0}]'
refused "$b" "'/dev/vfio/x1' names no VFIO group: want /dev/vfio/<number>" "a VFIO node that names no group"

# A running sandbox refuses the container and goes on.
id=$(virtc sandbox run --rootfs "$ROOTFS" -- sleep 600)
expect_error "$want" virtc container create --sandbox "$id" --id passthrough --bundle "$WORK/bundles/vfio"
out=$(virtc container status --sandbox "$id" --id passthrough 2>&1 || true)
assert_contains "$out" "not found" "the refused container is not kept"
out=$(virtc container enter --sandbox "$id" --id main -- echo still here 2>&1) ||
  fail "the sandbox did not survive the refused container: $out"
assert_eq "still here" "$out" "the sandbox after a refused VFIO container"
virtc sandbox stop --id "$id" >/dev/null
virtc sandbox delete --id "$id" >/dev/null
assert_clean
pass "a running sandbox refuses the VFIO container and keeps running"

assert_eq "$before" "$(drivers)" "host PCI drivers after the test"
pass "no host PCI device changed driver"

echo "SKIP: passing a PCI device through (bind its group to vfio-pci, hot-plug it, the guest driver takes it," \
     "the host driver back afterwards) needs an IOMMU and a spare PCI device; this host has" \
     "$(ls /sys/kernel/iommu_groups | wc -l) IOMMU groups. The steps are unit-tested (resource/vfio on a fake" \
     "sysfs, the QMP sequence on a fake QMP server, the guest's wait on a fake sysfs)."

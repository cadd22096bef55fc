#!/usr/bin/env bash
# Containers in a container in a VM: Debian's podman, run in a privileged
# container, loads an image from an OCI archive and runs a container of it on
# a network of its own (CNI bridge, iptables NAT), with overlay storage,
# cgroups and seccomp: the guest kernel offers what an image builder or
# docker-in-docker needs (docs/guest-kernel.md). The same bundle under runc
# first, which proves the test. The whole test runs in a network namespace of
# its own (`unshare -n`).
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

for tool in podman conmon runc xtables-legacy-multi xtables-nft-multi /usr/lib/cni/bridge; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/setup.sh"
done

# Podman and what it runs, copied from the host with their libraries; its
# configuration; the image it runs, as an OCI archive.
bash "$VC_SOURCE/tests/tools/copy-host-tools.sh" "$ROOTFS" podman conmon runc ip nft \
  xtables-legacy-multi xtables-nft-multi /usr/lib/cni/*
mkdir -p "$ROOTFS/etc/containers" "$ROOTFS/usr/share/containers" "$ROOTFS/var/lib/containers" "$ROOTFS/var/tmp"
cp -r /usr/share/containers/. "$ROOTFS/usr/share/containers/"
cp -r /etc/containers/. "$ROOTFS/etc/containers/"
# Root's own view (no systemd, no journald, this machine's limits), the
# legacy iptables backend for CNI.
cat >"$ROOTFS/etc/containers/containers.conf" <<'TOML'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
TOML
ln -sf xtables-legacy-multi "$ROOTFS/usr/sbin/iptables"
ln -sf xtables-legacy-multi "$ROOTFS/usr/sbin/ip6tables"
mkdir -p "$WORK/inner"
bash "$VC_SOURCE/scripts/make-rootfs.sh" "$WORK/inner"
cat >"$WORK/inner/probe.sh" <<'SH'
echo "nested: $(ip -o -4 addr show eth0 | awk '{print $4}' | cut -d. -f1-2).x.x"
echo "storage: $(awk '$2 == "/" {print $3}' /proc/mounts)"
echo "seccomp: $(awk '/^Seccomp:/ {print $2}' /proc/self/status)"
SH
bash "$VC_SOURCE/scripts/make-oci-image.sh" "$WORK/inner" "$ROOTFS/inner.tar" localhost/inner:latest

# Every capability this host's bounding set has (the machine may withhold
# some), by name, in the kernel's order.
host_capabilities() {
  local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
    NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE
    SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL
    SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
  local mask=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status))) i
  for i in "${!names[@]}"; do (( (mask >> i) & 1 )) && echo "\"CAP_${names[$i]}\""; done | jq -sc .
}

b=$(new_bundle nested)
# Privileged, as `podman run --privileged` makes it: every capability, no
# seccomp, every device allowed, sysfs and cgroupfs writable; storage and
# runtime state on tmpfs (overlay cannot sit on a virtio-fs upper layer).
spec_set "$b" '.process.capabilities |= with_entries(.value = $caps)
  | del(.linux.seccomp) | .linux.maskedPaths = [] | .linux.readonlyPaths = []
  | .linux.resources.devices = [{allow: true, access: "rwm"}]
  | .linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229},
                      {path: "/dev/net/tun", type: "c", major: 10, minor: 200}]
  | .mounts |= map(if .destination == "/sys" or .destination == "/sys/fs/cgroup"
                   then .options |= map(select(. != "ro")) else . end)
  | .mounts += [{destination: "/var/lib/containers", type: "tmpfs", source: "tmpfs", options: ["mode=700"]},
                {destination: "/run", type: "tmpfs", source: "tmpfs", options: ["mode=755"]},
                {destination: "/var/tmp", type: "tmpfs", source: "tmpfs", options: ["mode=1777"]}]' \
  --argjson caps "$(host_capabilities)"
# cgroup v2 lets no process sit in a cgroup whose controllers its children
# use: this shell moves to a child first, as docker-in-docker's entrypoint does.
spec_script "$b" 'set -e
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init && echo $$ >/sys/fs/cgroup/init/cgroup.procs
  for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || true; done
fi
podman load -q -i /inner.tar >/dev/null
podman run --rm --network bridge localhost/inner:latest sh /probe.sh
echo "podman images: $(podman images -q | wc -l)"'
runc_out=$(run_runc "$b")
assert_contains "$runc_out" "nested: 10.88.x.x" "podman's container under runc"
# podman, conmon and runc are large programs read through the share: a VM of 512 MiB.
vc_out=$(virtc --memory 512 run --bundle "$b" </dev/null 2>&1) || fail "the nested podman in a VM failed: $vc_out"
assert_eq "$runc_out" "$vc_out" "what the nested podman printed, runc against the VM"
echo "$vc_out" | sed 's/^/   /'
pass "podman in a privileged container in a VM loads an OCI archive and runs a container on its own bridge network (overlay storage, cgroups, iptables), as under runc"
assert_clean

#!/usr/bin/env bash
# Kubernetes drop-in behaviours through containerd's CRI plugin, the same pod
# under the `runc` handler and ours (docs/kubernetes.md): a privileged
# container administers its VM as a runc one administers its namespaces
# (links, mounts, sysctls, loop devices, no seccomp, nothing masked) and no
# host device enters the VM; pods asking for the node's namespaces are
# refused by field, leaving nothing; port-forward to any port of the pod;
# volumes' mount propagation
# (HostToContainer, None; Bidirectional refused); memory limits go up and
# down after a create with a limit (containerd's swap == limit). The whole test runs in a
# network namespace of its own (`unshare -n`).
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd_lib.sh"
source "$(dirname "$0")/cri_lib.sh"

command -v ip >/dev/null || fail "ip missing: run scripts/setup.sh"
before_cleanup() {
  grep -F "$WORK/prop-" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  cri_cleanup "$1"
}
cri_network 10.96.0.0/24
mkdir -p "$ROOTFS/www" && echo "served by the pod" >"$ROOTFS/www/index.html"
# Debian's iproute2 in the image: busybox's ip makes no bridge.
bash "$VC_SOURCE/tests/tools/copy-host-tools.sh" "$ROOTFS" ip
mkdir -p "$WORK/ext2" && echo "in the image" >"$WORK/ext2/file"
mke2fs -q -t ext2 -d "$WORK/ext2" "$ROOTFS/image.ext2" 4M >/dev/null
ctd_up_cri "$WORK/cni"
host_loops_before=$(losetup -a | wc -l)

privileged() { jq -c '.linux.security_context.privileged = true' <<<"$1"; }

# --- privileged: privileged in the guest ---------------------------------------
# Debian's busybox sh runs its own ip applet whatever PATH says: the copied one by its path.
PROBE='ip() { /usr/bin/ip "$@"; }
ip link add vcbr0 type bridge && ip link set vcbr0 up && echo "bridge: $(cat /sys/class/net/vcbr0/operstate)"
mkdir -p /mnt && mount -t tmpfs none /mnt && echo "mount: $(awk "\$2 == \"/mnt\" {print \$3}" /proc/mounts)"
echo 1 >/proc/sys/net/ipv4/ip_forward && echo "sysctl ip_forward: $(cat /proc/sys/net/ipv4/ip_forward)"
echo "sysfs: $(awk "\$2 == \"/sys\" {split(\$4, o, \",\"); print o[1]}" /proc/mounts)"
echo "cgroupfs: $(awk "\$2 ~ \"^/sys/fs/cgroup\" {split(\$4, o, \",\"); print o[1]}" /proc/mounts | sort -u)"
echo "masked or read-only paths: $(awk "\$2 ~ \"^/proc/(kcore|keys|timer_list|sys|sysrq-trigger|bus|irq)\$\"" /proc/mounts | wc -l)"
echo "seccomp: $(awk "/^Seccomp:/ {print \$2}" /proc/self/status)"
echo "capabilities: $(awk "/^CapEff:/ {print \$2}" /proc/self/status)"
ip tuntap add dev vctun0 mode tun && echo "tun: $(cat /sys/class/net/vctun0/tun_flags)"
mkdir /mnt/m && mount -o loop,ro /image.ext2 /mnt/m && echo "loop mount: $(cat /mnt/m/file)" && umount /mnt/m
echo done'
privileged_pod() {  # HANDLER: what the privileged container saw
  local h=$1 config pod ctr
  config=$(privileged "$(pod_config "priv-$h" "/$CG-$h")")
  pod=$(run_pod "$h" "$config") || fail "$h: RunPodSandbox of a privileged pod"
  ctr=$(start_container "$pod" "$config" "$(privileged "$(container_config admin false '["sleep", "1000"]')")") ||
    fail "$h: a privileged container"
  cri execsync "$ctr" sh -c "$PROBE" 2>&1 || fail "$h: the probe failed: $(cri execsync "$ctr" sh -c "$PROBE" 2>&1)"
  remove_pod "$pod"
}
priv_runc=$(privileged_pod runc)
priv_vc=$(privileged_pod vc)
# runc mounts sysfs read-only in a container that joined the pod's network
# namespace; the spec asks for it writable, and the guest gives it so.
assert_eq "$(grep -v '^sysfs:' <<<"$priv_runc")" "$(grep -v '^sysfs:' <<<"$priv_vc")" \
  "what a privileged container saw, runc against vc"
assert_contains "$priv_vc" "sysfs: rw" "sysfs in the VM"
assert_contains "$priv_vc" "loop mount: in the image" "a loop mount in the VM"
assert_contains "$priv_vc" "seccomp: 0" "no seccomp"
echo "$priv_vc" | sed 's/^/   /'
[ "$(losetup -a | wc -l)" = "$host_loops_before" ] || fail "host loop devices changed: $(losetup -a)"
assert_clean
pass "a privileged container: bridge, tmpfs mount, sysctl, tun, loop mount, writable cgroupfs, nothing masked, no seccomp, all capabilities: the same as under runc; sysfs writable as the spec asks; no host device entered the VM"

# --- host namespaces: refused by field, nothing left ---------------------------
for ns in network:hostNetwork pid:hostPID ipc:hostIPC; do
  field=${ns#*:} ns=${ns%%:*}
  # kubelet gives a hostNetwork pod the node's hostname: none of its own.
  config=$(pod_config "host-$ns" "/$CG-vc" |
    jq -c --arg ns "$ns" '.linux.security_context.namespace_options[$ns] = "NODE" | if $ns == "network" then del(.hostname) else . end')
  pod=$(run_pod runc "$config") || fail "runc: RunPodSandbox with $field"
  [ "$(pod_state "$pod")" = SANDBOX_READY ] || fail "runc: the $field pod is not ready"
  remove_pod "$pod"
  expect_error "$field: the pod asks for the node's $ns namespace" cri call RunPodSandbox \
    "$(jq -cn --argjson c "$config" '{config: $c, runtime_handler: "vc"}')"
  expect_error "runc RuntimeClass" cri call RunPodSandbox \
    "$(jq -cn --argjson c "$config" '{config: $c, runtime_handler: "vc"}')"
done
[ -z "$(cri call ListPodSandbox | jq -r '.items[]? | select(.state == "SANDBOX_READY") | .id')" ] ||
  fail "a refused pod is listed ready"
ctd_remove_pods "$CRI"
assert_clean
[ -z "$(ip -o link show type veth)" ] || fail "veths left behind: $(ip -o link show type veth)"
pass "hostNetwork, hostPID and hostIPC pods: runc runs them; vc refuses each at RunPodSandbox naming the field and a runc RuntimeClass, leaving nothing"

# --- port forwarding (kubectl port-forward) ---------------------------------------
# containerd dials the port on the pod's loopback in the pod's network
# namespace on the host; the server listens in the guest. A port opened after
# the forwarding began works too: no port is known in advance.
forwarding() {  # HANDLER
  local h=$1 config pod ctr out=""
  config=$(pod_config "fwd-$h" "/$CG-$h")
  pod=$(run_pod "$h" "$config") || fail "$h: RunPodSandbox"
  ctr=$(start_container "$pod" "$config" "$(container_config web false '["httpd", "-f", "-p", "8080", "-h", "/www"]')") ||
    fail "$h: the server container"
  get() { printf 'GET /index.html HTTP/1.0\r\n\r\n' | timeout 60 "$CRI" portforward "$pod" "$1" 2>&1 | tr -d '\r' | tail -1; }
  wait_for 100 cri execsync "$ctr" wget -q -O- http://127.0.0.1:8080/index.html || fail "$h: the server did not start"
  out+="8080: $(get 8080)"$'\n'
  local started
  started=$(cri execsync "$ctr" httpd -p 9090 -h /www 2>&1) || fail "$h: a second server: $started (then: $out)"
  out+="9090, opened later: $(get 9090)"$'\n'
  out+="8080 again: $(get 8080)"$'\n'
  remove_pod "$pod"
  printf '%s' "$out"
}
fwd_runc=$(forwarding runc)
fwd_vc=$(forwarding vc)
assert_eq "$fwd_runc" "$fwd_vc" "what port-forward clients got, runc against vc"
assert_contains "$fwd_vc" "9090, opened later: served by the pod" "a port opened after the pod started"
echo "$fwd_vc" | sed 's/^/   /'
assert_clean
[ -z "$(ls "$WORK/containerd/state/io.containerd.grpc.v1.cri/netns" 2>/dev/null)" ] || fail "pod netns left behind"
pass "port-forward reaches a pod's server on any port, one opened later too, as under runc"

# --- mount propagation of volumes -----------------------------------------------
# containerd wants a HostToContainer or Bidirectional volume's source on a
# shared mount: each volume directory is one. After the container started,
# the host mounts a tmpfs under each; a container mounts one under its private
# volume.
prop_mount() {  # DIR: a shared mount of its own
  mkdir -p "$1/sub" && mount --bind "$1" "$1" && mount --make-rshared "$1"
}
volume() {  # CONTAINER_PATH HOST_PATH PROPAGATION
  jq -cn --arg c "$1" --arg h "$2" --arg p "$3" '{container_path: $c, host_path: $h, propagation: $p}'
}
propagation() {  # HANDLER
  local h=$1 config pod ctr out="" d=$WORK/prop-$1
  prop_mount "$d/follow" && prop_mount "$d/private" && prop_mount "$d/both"
  config=$(privileged "$(pod_config "prop-$h" "/$CG-$h")")
  pod=$(run_pod "$h" "$config") || fail "$h: RunPodSandbox"
  ctr=$(start_container "$pod" "$config" "$(privileged "$(container_config vols false '["sleep", "1000"]')" |
    jq -c --argjson a "$(volume /follow "$d/follow" PROPAGATION_HOST_TO_CONTAINER)" \
      --argjson b "$(volume /private "$d/private" PROPAGATION_PRIVATE)" '.mounts = [$a, $b]')") ||
    fail "$h: a container with HostToContainer and None volumes"
  for v in follow private; do
    mount -t tmpfs tmpfs "$d/$v/sub" && echo "from the host" >"$d/$v/sub/file"
  done
  wait_for 50 cri execsync "$ctr" cat /follow/sub/file
  out+="HostToContainer: $(cri execsync "$ctr" cat /follow/sub/file 2>&1 || echo nothing)"$'\n'
  out+="None: $(cri execsync "$ctr" cat /private/sub/file 2>/dev/null || echo nothing)"$'\n'
  cri execsync "$ctr" sh -c 'mkdir -p /private/mine && mount -t tmpfs none /private/mine' >/dev/null ||
    fail "$h: a mount in the container"
  out+="None, back to the host: $(mountpoint -q "$d/private/mine" && echo leaked || echo nothing)"$'\n'
  # containerd makes the task (and so the runtime sees the spec) at StartContainer.
  local rc=0 err id
  id=$(cri call CreateContainer "$(jq -cn --arg p "$pod" --argjson s "$config" \
    --argjson c "$(privileged "$(container_config both false '["sleep", "1000"]')" |
      jq -c --argjson a "$(volume /both "$d/both" PROPAGATION_BIDIRECTIONAL)" '.mounts = [$a]')" \
    '{pod_sandbox_id: $p, config: $c, sandbox_config: $s}')" | jq -r .container_id) ||
    fail "$h: CreateContainer with a Bidirectional volume"
  err=$(cri call StartContainer "{\"container_id\":\"$id\"}" 2>&1) || rc=$?
  echo "$rc $err" >"$WORK/both-$h"
  remove_pod "$pod"
  for v in follow private both; do umount -R "$d/$v" 2>/dev/null || true; done
  printf '%s' "$out"
}
prop_runc=$(propagation runc)
prop_vc=$(propagation vc)
assert_eq "$prop_runc" "$prop_vc" "what the volumes' propagation gave, runc against vc"
assert_contains "$prop_vc" "HostToContainer: from the host" "a host mount under a HostToContainer volume"
assert_contains "$prop_vc" "None: nothing" "a host mount under a None volume"
assert_eq 0 "$(cut -d' ' -f1 "$WORK/both-runc")" "runc: StartContainer with a Bidirectional volume"
assert_contains "$(cat "$WORK/both-vc")" "mount /both ($WORK/prop-vc/both): shared propagation" \
  "vc: StartContainer with a Bidirectional volume"
echo "$prop_vc" | sed 's/^/   /'
assert_clean
pass "mount propagation: HostToContainer volumes receive the host's later mounts, None volumes neither receive nor leak, as under runc; Bidirectional is refused when the container is created in the VM (StartContainer), naming the volume"

# --- memory limits up and down after a create with a limit ----------------------
updates() {  # HANDLER
  local h=$1 config pod ctr out=""
  config=$(pod_config "mem-$h" "/$CG-$h")
  pod=$(run_pod "$h" "$config") || fail "$h: RunPodSandbox"
  ctr=$(start_container "$pod" "$config" "$(container_config limited false '["sleep", "1000"]' |
    jq -c '.linux.resources = {memory_limit_in_bytes: 104857600}')") || fail "$h: a container with a memory limit"
  for limit in 209715200 157286400 314572800; do
    cri call UpdateContainerResources "{\"container_id\":\"$ctr\",\"linux\":{\"memory_limit_in_bytes\":$limit}}" \
      >/dev/null || fail "$h: UpdateContainerResources to $limit bytes"
    out+="$limit: $(cri call ContainerStatus "{\"container_id\":\"$ctr\"}" | jq -r '.status.resources.linux.memory_limit_in_bytes')"
    [ "$h" = vc ] && out+=" $(cri execsync "$ctr" sh -c 'cat /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/memory.max')"
    out+=$'\n'
  done
  remove_pod "$pod"
  printf '%s' "$out"
}
mem_runc=$(updates runc)
mem_vc=$(updates vc)
assert_eq "$mem_runc" "$(sed 's/ [0-9]*$//' <<<"$mem_vc")" "the limits ContainerStatus reported, runc against vc"
while read -r limit reported applied; do
  assert_eq "${limit%:} ${limit%:}" "$reported $applied" "ContainerStatus and memory.max in the guest"
done <<<"$mem_vc"
assert_clean
pass "memory limits raised, lowered and raised again after a create with a limit: accepted as under runc, reported by ContainerStatus, applied in the guest"

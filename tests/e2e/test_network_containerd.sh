# Pod networking under containerd: a pod namespace made by the real CNI
# bridge and host-local plugins, given to `ctr run --with-ns`; the container
# in the VM gets the pod IP and serves HTTP on the CNI bridge. The whole test
# runs in a network namespace of its own (`unshare -n`).
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd_lib.sh"

CNI_BIN=/usr/lib/cni
for tool in "$CNI_BIN/bridge" "$CNI_BIN/host-local"; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/setup.sh (containernetworking-plugins)"
done
# busybox-static 1.35's wget crashes with -T: bound it with timeout(1) instead.
BUSYBOX=/bin/busybox

POD=vcctrpod-$$
CNI_CONF="$WORK/cni.json"
cat >"$CNI_CONF" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "vc-test",
  "type": "bridge",
  "bridge": "vccni0",
  "isGateway": true,
  "ipMasq": false,
  "ipam": {
    "type": "host-local",
    "subnet": "10.98.0.0/24",
    "routes": [{"dst": "0.0.0.0/0"}],
    "dataDir": "$WORK/cni-ipam"
  }
}
JSON
cni() {  # ADD|DEL
  CNI_COMMAND=$1 CNI_CONTAINERID=$POD CNI_NETNS=/var/run/netns/$POD CNI_IFNAME=eth0 CNI_PATH=$CNI_BIN \
    "$CNI_BIN/bridge" <"$CNI_CONF"
}

before_cleanup() {
  ctd_log_tail "$1" 30
  ctd_stop
  cni DEL >/dev/null 2>&1 || true
  ip netns del "$POD" 2>/dev/null || true
}

ip link set lo up
ip netns add "$POD"
result=$(cni ADD) || fail "CNI ADD failed: $result"
pod_ip=$(sed -n 's/.*"address": *"\([0-9.]*\)\/24".*/\1/p' <<<"$result" | head -1)
[ -n "$pod_ip" ] || fail "no pod IP in the CNI result: $result"
census() {
  ip -n "$POD" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
  tc -n "$POD" qdisc show | sort
}
before=$(census)

mkdir -p "$ROOTFS/www"
echo "hello from the pod" >"$ROOTFS/www/index.html"
ctd_up
c() { ctd_ctr "$@"; }

# What containerd's CRI plugin does for a pod: the pod's resolv.conf and hosts
# bind-mounted from the host.
echo "nameserver 10.98.0.1" >"$WORK/resolv.conf"
echo "10.98.0.1 gateway.pod" >"$WORK/hosts"
c run -d --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG" \
  --with-ns "network:/var/run/netns/$POD" \
  --mount "type=bind,src=$WORK/resolv.conf,dst=/etc/resolv.conf,options=rbind:ro" \
  --mount "type=bind,src=$WORK/hosts,dst=/etc/hosts,options=rbind:ro" \
  "$IMAGE" web httpd -f -p 8080 -h /www
out=""
for _ in $(seq 100); do
  out=$(timeout 5 $BUSYBOX wget -q -O- "http://$pod_ip:8080/index.html" 2>/dev/null) && break
  sleep 0.2
done
assert_eq "hello from the pod" "$out" "HTTP from the container at the pod IP $pod_ip"
out=$(c task exec --exec-id addr web ip -o addr show eth0)
assert_contains "$out" "$pod_ip/24" "the container's eth0 has the pod IP"
pass "ctr run --with-ns: the container in the VM has the CNI pod IP ($pod_ip) and serves HTTP on the bridge"
assert_eq "nameserver 10.98.0.1" "$(c task exec --exec-id dns web cat /etc/resolv.conf)" "resolv.conf from the spec's mounts"
assert_contains "$(c task exec --exec-id hosts web ping -c 1 -W 5 gateway.pod)" "1 packets received" \
  "a name from the bind-mounted /etc/hosts, reached through the pod network"
pass "/etc/resolv.conf and /etc/hosts come from the spec's bind mounts, as CRI sets them"

c task kill -s KILL web
for _ in $(seq 100); do c task ls | grep -w web | grep -q STOPPED && break; sleep 0.1; done
c task delete web >/dev/null
c container delete web
assert_eq "$before" "$(census)" "pod namespace after the task was deleted"
pass "after delete the pod namespace is as CNI left it"

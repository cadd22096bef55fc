# Pod networking with real kernel objects: a bridge, veth pairs and pod
# network namespaces, all inside a network namespace of this test's own (the
# whole test runs under `unshare -n`), so nothing touches the host's network.
#
#   test ns:  br0 10.99.0.1/24, busybox httpd on 10.99.0.1:8081
#   pod1 ns:  eth0 10.99.0.2/24 (veth to br0), default route via 10.99.0.1
#   pod2 ns:  eth0 10.99.0.4/24 (veth to br0)
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"

POD1=vcpod1-$$ POD2=vcpod2-$$ POD3=vcpod3-$$ POD4=vcpod4-$$
# Sandboxes go before the namespaces they use (lib.sh's cleanup runs after this).
before_cleanup() {
  local sb
  for sb in "$ROOT"/sbs/*/; do
    [ -d "$sb" ] || continue
    virtc sandbox stop --id "$(basename "$sb")" >/dev/null 2>&1 || true
    virtc sandbox delete --id "$(basename "$sb")" >/dev/null 2>&1 || true
  done
  [ -n "${HTTPD_PID:-}" ] && kill "$HTTPD_PID" 2>/dev/null
  for ns in "$POD1" "$POD2" "$POD3" "$POD4"; do ip netns del "$ns" 2>/dev/null || true; done
}

# busybox-static 1.35's wget crashes with -T: bound it with timeout(1) instead.
BUSYBOX=/bin/busybox
ip link set lo up
ip link add br0 type bridge
ip addr add 10.99.0.1/24 dev br0
ip link set br0 up

# A pod namespace as CNI's bridge plugin leaves it: a veth with an address.
make_pod() {  # name address
  ip netns add "$1"
  ip link add "v-$1" type veth peer name eth0 netns "$1"
  ip link set "v-$1" master br0 up
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$2/24" dev eth0
  ip -n "$1" link set eth0 up
  ip -n "$1" route add default via 10.99.0.1
}
make_pod "$POD1" 10.99.0.2
make_pod "$POD2" 10.99.0.4

# What the runtime may change in a pod namespace: its links and qdiscs.
census() {  # netns
  ip -n "$1" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
  tc -n "$1" qdisc show | sort
  tc -n "$1" filter show dev eth0 ingress
}
before1=$(census "$POD1")

mkdir -p "$ROOTFS/www" "$WORK/peer"
echo "hello from the sandbox" >"$ROOTFS/www/index.html"
echo "hello from the peer" >"$WORK/peer/index.html"
$BUSYBOX httpd -f -p 10.99.0.1:8081 -h "$WORK/peer" &
HTTPD_PID=$!

# --- loopback, without any pod network ---------------------------------------
out=$(virtc run --rootfs "$ROOTFS" -- sh -c 'httpd -p 127.0.0.1:8080 -h /www && wget -q -O- http://127.0.0.1:8080/index.html')
assert_eq "hello from the sandbox" "$out" "loopback in a container"
pass "loopback is up in the guest: a server on 127.0.0.1 answers in the same container"

# --- bad input: clear errors, nothing left -----------------------------------
expect_error "network namespace /nonexistent/ns" virtc sandbox create --id bad1 --netns /nonexistent/ns
expect_error "is not a network namespace" virtc sandbox create --id bad2 --netns /proc/self/ns/uts
expect_error "unknown network model 'bridged'" virtc sandbox create --id bad3 --netns "/var/run/netns/$POD1" --net-model bridged
ip netns add "$POD3"
ip -n "$POD3" link add br9 type bridge
expect_error "interface br9 (kind bridge) cannot be connected to a VM" \
  virtc sandbox run --id bad4 --netns "/var/run/netns/$POD3" --rootfs "$ROOTFS" -- true
assert_eq "" "$(ip -n "$POD3" -o link show | grep -v -e ': lo:' -e ': br9:' || true)" "links left in the refused pod"
virtc sandbox delete --id bad4 >/dev/null 2>&1 || true
assert_clean
pass "a missing or wrong namespace, an unknown model and an unsupported interface kind are clear errors"

# --- a sandbox in pod1 serves HTTP to the bridge -----------------------------
pod1_mac=$(ip -n "$POD1" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
virtc sandbox run --id web --netns "/var/run/netns/$POD1" --rootfs "$ROOTFS" -- httpd -f -p 8080 -h /www >/dev/null
out=""
for _ in $(seq 50); do
  out=$(timeout 5 $BUSYBOX wget -q -O- http://10.99.0.2:8080/index.html 2>/dev/null) && break
  sleep 0.2
done
assert_eq "hello from the sandbox" "$out" "HTTP from the sandbox, fetched on the bridge"
pass "a sandbox in a pod namespace serves HTTP to a client on the bridge (tcfilter)"

list=$(virtc network list --sandbox web --json)
assert_contains "$list" '"name": "eth0"' "guest interface name"
assert_contains "$list" "\"mac\": \"$pod1_mac\"" "guest MAC is the pod interface's"
assert_contains "$list" '"10.99.0.2/24"' "guest address"
routes=$(virtc network routes --sandbox web)
assert_contains "$routes" "default" "default route in the guest"
assert_contains "$routes" "10.99.0.1" "gateway of the default route"
assert_contains "$(ip -n "$POD1" -o link show)" "tap0_vc" "tap beside eth0 in the pod"
assert_contains "$(tc -n "$POD1" filter show dev eth0 ingress)" "mirred" "redirect on eth0"
grep -q "loaded the network modules" "$ROOT/sbs/web/console.log" || fail "a VM with a NIC did not load the driver at boot"
pass "the guest took the pod's interface over: name, MAC, address, default route"

out=$(virtc container enter --sandbox web --id main -- wget -q -O- http://10.99.0.1:8081/index.html)
assert_eq "hello from the peer" "$out" "HTTP from the container to the bridge"
pass "a container reaches a server on the bridge"

# --- two sandboxes on one bridge ---------------------------------------------
virtc sandbox run --id client --netns "/var/run/netns/$POD2" --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
virtc container enter --sandbox client --id main -- ping -c 1 -W 5 10.99.0.2 >/dev/null \
  || fail "ping from sandbox client to sandbox web"
out=$(virtc container enter --sandbox client --id main -- wget -q -O- http://10.99.0.2:8080/index.html)
assert_eq "hello from the sandbox" "$out" "HTTP between two sandboxes"
pass "two sandboxes on one bridge reach each other (ping and TCP)"

# --- hot-plug: a second interface added to pod2 after the sandbox started ---
ip link add br1 type bridge
ip addr add 10.97.0.1/24 dev br1
ip link set br1 up
ip link add "w-$POD2" type veth peer name eth1 netns "$POD2"
ip link set "w-$POD2" master br1 up
ip -n "$POD2" addr add 10.97.0.4/24 dev eth1
ip -n "$POD2" link set eth1 up
ip -n "$POD2" route add 10.96.0.0/16 via 10.97.0.1
census_eth1() { census "$POD2"; tc -n "$POD2" filter show dev eth1 ingress; }
with_eth1=$(census_eth1)
added=$(virtc network add --sandbox client --name eth1 --json)
assert_contains "$added" '"10.97.0.4/24"' "address of the hot-plugged interface"
assert_contains "$(virtc network list --sandbox client)" "eth1" "guest list after the hot-plug"
assert_contains "$(virtc network routes --sandbox client)" "10.96.0.0/16" "the interface's route in the guest"
virtc container enter --sandbox client --id main -- ping -c 1 -W 5 10.97.0.1 >/dev/null \
  || fail "ping through the hot-plugged interface"
expect_error "interface eth1 is already connected" virtc network add --sandbox client --name eth1
expect_error "no network interface nope" virtc network add --sandbox client --name nope
virtc network remove --sandbox client --name eth1
assert_eq "1" "$(virtc network list --sandbox client --json | grep -c '"name"')" "guest interfaces after the unplug"
assert_eq "$with_eth1" "$(census_eth1)" "pod2 after the unplug: eth1 as it was, no tap or filter left"
expect_error "interface eth1 is not connected" virtc network remove --sandbox client --name eth1
pass "a NIC hot-plugged for an interface added after start works in the guest, and unplugs cleanly"

# --- a VM without a NIC at boot gets its first one -------------------------
ip netns add "$POD4"
virtc sandbox run --id late --netns "/var/run/netns/$POD4" --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
assert_eq "[]" "$(virtc network list --sandbox late --json)" "interfaces of a sandbox whose pod had none"
ip link add "v-$POD4" type veth peer name eth0 netns "$POD4"
ip link set "v-$POD4" master br0 up
ip -n "$POD4" addr add 10.99.0.6/24 dev eth0
ip -n "$POD4" link set eth0 up
virtc network add --sandbox late --name eth0 >/dev/null
virtc container enter --sandbox late --id main -- ping -c 1 -W 5 10.99.0.1 >/dev/null \
  || fail "ping through the first NIC of a VM that booted without one"
grep -q "loaded the network modules" "$ROOT/sbs/late/console.log" \
  && fail "the network driver was loaded at boot of a VM without a NIC"
virtc sandbox stop --id late
virtc sandbox delete --id late
pass "a VM that booted without a NIC loads the driver when its first NIC is hot-plugged"

# --- cleanup: the pod namespace exactly as it was ----------------------------
virtc sandbox stop --id web
virtc sandbox delete --id web
assert_eq "$before1" "$(census "$POD1")" "pod1's links and qdiscs after delete"
pass "after delete the pod namespace is as it was (no tap, qdisc or filter left)"

virtc sandbox run --id web2 --netns "/var/run/netns/$POD1" --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
qemu=$(pgrep -f -- "qemu-system.*sandbox-web2" | head -1)
[ -n "$qemu" ] || fail "no QEMU for sandbox web2"
kill -9 "$qemu"
for _ in $(seq 50); do
  virtc sandbox status --id web2 | grep -q stopped && break
  sleep 0.1
done
assert_contains "$(virtc sandbox status --id web2)" "stopped" "state after QEMU was killed"
virtc sandbox delete --id web2
assert_eq "$before1" "$(census "$POD1")" "pod1's links and qdiscs after kill -9 of QEMU"
pass "after kill -9 of QEMU and delete the pod namespace is as it was"

# --- kill -9 of the supervisor: the next call cleans up ---------------------
virtc --vcpus 2 sandbox run --id web3 --netns "/var/run/netns/$POD1" --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
assert_contains "$(ip -d -n "$POD1" link show tap0_vc)" "multi_queue" "a multiqueue tap for a VM with 2 vCPUs"
virtc container enter --sandbox web3 --id main -- ping -c 1 -W 5 10.99.0.1 >/dev/null \
  || fail "ping through a multiqueue NIC"
supervisor=$(pgrep -f -- "vc-supervisor --root $ROOT --sandbox web3" | head -1)
[ -n "$supervisor" ] || fail "no supervisor for sandbox web3"
kill -9 "$supervisor"
for _ in $(seq 50); do pgrep -f -- "qemu-system.*sandbox-web3" >/dev/null || break; sleep 0.1; done
assert_contains "$(virtc sandbox status --id web3)" "stopped" "state after the supervisor was killed"
assert_eq "$before1" "$(census "$POD1")" "pod1's links and qdiscs once a call saw the dead supervisor"
virtc sandbox delete --id web3
pass "after kill -9 of the supervisor the next call removes what was added to the pod (multiqueue tap with 2 vCPUs)"

# --- the macvtap model ---------------------------------------------------------
virtc sandbox run --id mvt --netns "/var/run/netns/$POD1" --net-model macvtap --rootfs "$ROOTFS" -- httpd -f -p 8080 -h /www >/dev/null
assert_contains "$(ip -n "$POD1" -o link show)" "mvt0_vc" "macvtap on eth0 in the pod"
out=""
for _ in $(seq 50); do
  out=$(timeout 5 $BUSYBOX wget -q -O- http://10.99.0.2:8080/index.html 2>/dev/null) && break
  sleep 0.2
done
assert_eq "hello from the sandbox" "$out" "HTTP from the sandbox through the macvtap"
virtc sandbox stop --id mvt
virtc sandbox delete --id mvt
assert_eq "$before1" "$(census "$POD1")" "pod1's links and qdiscs after the macvtap sandbox"
pass "the macvtap model serves HTTP on the bridge and leaves the pod as it was"

# --- model none, and errors on a stopped sandbox -----------------------------
virtc sandbox run --id quiet --netns "/var/run/netns/$POD1" --net-model none --rootfs "$ROOTFS" -- sleep 1000 >/dev/null
assert_eq "[]" "$(virtc network list --sandbox quiet --json)" "interfaces with model none"
assert_eq "$before1" "$(census "$POD1")" "pod1 untouched by model none"
virtc sandbox stop --id quiet
expect_error "is not running" virtc network list --sandbox quiet
expect_error "is not running" virtc network add --sandbox quiet --name eth0
virtc sandbox delete --id quiet
virtc sandbox stop --id client
virtc sandbox delete --id client
pass "model none gives no NIC; a stopped sandbox has no network to list"
assert_clean

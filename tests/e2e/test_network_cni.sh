# Standalone CNI: `virtc --net cni` makes a network namespace for the sandbox
# and runs Debian's CNI plugins (bridge, host-local, tuning) on it: ADD when
# the sandbox is created, DEL when it is deleted. The whole test runs in a
# network namespace of its own (`unshare -n`).
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"

CNI_BIN=/usr/lib/cni
for plugin in bridge host-local tuning; do
  [ -x "$CNI_BIN/$plugin" ] || fail "CNI plugin $plugin missing: run scripts/setup.sh (containernetworking-plugins)"
done
# busybox-static 1.35's wget crashes with -T: bound it with timeout(1) instead.
BUSYBOX=/bin/busybox

before_cleanup() {
  local sb
  for sb in "$ROOT"/sbs/*/; do
    [ -d "$sb" ] || continue
    virtc sandbox stop --id "$(basename "$sb")" >/dev/null 2>&1 || true
    virtc sandbox delete --id "$(basename "$sb")" >/dev/null 2>&1 || true
  done
  [ -n "${HTTPD_PID:-}" ] && kill "$HTTPD_PID" 2>/dev/null
  true
}

CONF="$WORK/cni.d"
IPAM="$WORK/ipam"
mkdir -p "$CONF" "$WORK/empty.d"
cat >"$CONF/10-vc.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "vc-cni-test",
  "plugins": [
    {"type": "bridge", "bridge": "vccni2", "isGateway": true, "ipMasq": false,
     "ipam": {"type": "host-local", "subnet": "10.95.0.0/24", "routes": [{"dst": "0.0.0.0/0"}],
              "dataDir": "$IPAM"}},
    {"type": "tuning", "sysctl": {"net.ipv4.conf.eth0.rp_filter": "0"}}
  ]
}
JSON
NET=(--net cni --cni-conf-dir "$CONF")
netns_files() { ls /var/run/netns 2>/dev/null | grep '^vc-' || true; }
leases() { find "$IPAM" -type f -name '10.95.*' 2>/dev/null | wc -l; }
ports() { ip -o link show master vccni2 2>/dev/null | wc -l; }

ip link set lo up
mkdir -p "$WORK/www"
echo "hello from the test namespace" >"$WORK/www/index.html"
$BUSYBOX httpd -f -p 8083 -h "$WORK/www" &
HTTPD_PID=$!
before_netns=$(netns_files)

out=$(virtc run "${NET[@]}" --rootfs "$ROOTFS" -- sh -c \
  'ip -o -4 addr show eth0; for i in 1 2 3 4 5; do wget -q -O- http://10.95.0.1:8083/index.html && exit 0; sleep 1; done; exit 1')
assert_contains "$out" "10.95.0." "the container's address from host-local"
assert_contains "$out" "hello from the test namespace" "HTTP from the container to the CNI bridge's gateway"
assert_eq "$before_netns" "$(netns_files)" "namespaces after the run"
assert_eq 0 "$(leases)" "host-local leases after the run (DEL released the address)"
assert_eq 0 "$(ports)" "veths on the CNI bridge after the run"
pass "virtc run --net cni: the container gets a CNI address, reaches the bridge, and DEL leaves nothing"

virtc sandbox create --id cni1 "${NET[@]}" >/dev/null
assert_contains "$(netns_files)" "vc-cni1" "the sandbox's namespace after create"
assert_eq 1 "$(leases)" "one address leased at create"
virtc sandbox start --id cni1
assert_contains "$(virtc network list --sandbox cni1)" "10.95.0." "the guest has the leased address"
virtc sandbox stop --id cni1
assert_eq 1 "$(leases)" "the lease outlives a stop"
virtc sandbox delete --id cni1
assert_eq "$before_netns" "$(netns_files)" "namespaces after delete"
assert_eq 0 "$(leases)" "leases after delete"
pass "across invocations: ADD at create, kept over stop, DEL and the namespace removed at delete"

expect_error "no CNI network configuration" virtc run --net cni --cni-conf-dir "$WORK/empty.d" --rootfs "$ROOTFS" -- true
sed 's/"type": "tuning"/"type": "nosuch"/' "$CONF/10-vc.conflist" >"$WORK/bad.conflist"
mkdir -p "$WORK/bad.d" && mv "$WORK/bad.conflist" "$WORK/bad.d/"
expect_error "CNI plugin nosuch not found" virtc sandbox create --id bad1 --net cni --cni-conf-dir "$WORK/bad.d"
mkdir -p "$WORK/bad2.d"
sed 's#"subnet": "10.95.0.0/24"#"subnet": "not-a-subnet"#' "$CONF/10-vc.conflist" >"$WORK/bad2.d/10-vc.conflist"
expect_error "CNI ADD bridge failed" virtc sandbox create --id bad2 --net cni --cni-conf-dir "$WORK/bad2.d"
expect_error "must be cni or none" virtc sandbox create --id bad3 --net flannel
assert_eq "$before_netns" "$(netns_files)" "namespaces after the refused creates"
assert_eq 0 "$(leases)" "leases after the refused creates"
assert_eq "" "$(virtc sandbox list | tail -n +2)" "sandboxes after the refused creates"
pass "a missing configuration, a missing plugin and a failing plugin are clear errors that leave nothing"
assert_clean

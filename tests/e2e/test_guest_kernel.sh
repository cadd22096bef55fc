#!/usr/bin/env bash
# What the guest kernel gives containers (docs/guest-kernel.md): the same
# probe of kernel features (virtual links, netfilter with both iptables
# backends and nft, traffic control, file systems, user namespaces) in a
# container with CAP_NET_ADMIN and CAP_SYS_ADMIN under runc and in a VM; every
# feature the runc container has on this host, the VM's has too (the modules
# the lean kernel leaves out loaded on demand by annotation). Then iptables
# NAT in a pod, reached from a peer namespace; and module loading itself.
# The whole test runs in a network namespace of its own (`unshare -n`).
if [ -z "${VC_NET_UNSHARED:-}" ]; then
  exec env VC_NET_UNSHARED=1 unshare -n -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

for tool in ip tc nft xtables-legacy-multi xtables-nft-multi mksquashfs; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/setup.sh"
done
MODULES=io.virtcontainers.kernel_modules
SRV=vcsrv-$$ CLI=vccli-$$
before_cleanup() {
  local id
  for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do
    runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1 || true
  done
  for sb in "$ROOT"/sbs/*/; do
    [ -d "$sb" ] || continue
    virtc sandbox stop --id "$(basename "$sb")" >/dev/null 2>&1 || true
    virtc sandbox delete --id "$(basename "$sb")" >/dev/null 2>&1 || true
  done
  ip netns del "$SRV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
}

bash "$VC_SOURCE/tests/tools/copy-host-tools.sh" "$ROOTFS" ip tc nft xtables-legacy-multi xtables-nft-multi
mkdir -p "$WORK/sq" && echo squashed >"$WORK/sq/file"
mksquashfs "$WORK/sq" "$ROOTFS/image.sqfs" -quiet -noappend >/dev/null

# A container that may administer its own network and mounts, with /dev/net/tun.
admin_bundle() {  # NAME
  local b; b=$(new_bundle "$1")
  spec_set "$b" '.process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_NET_RAW",
      "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_CHOWN", "CAP_MKNOD"])
    | .linux.devices = [{path: "/dev/net/tun", type: "c", major: 10, minor: 200, fileMode: 438}]
    | .linux.resources.devices = [{allow: false, access: "rwm"},
                                  {allow: true, type: "c", major: 10, minor: 200, access: "rwm"}]'
  echo "$b"
}

# --- the probe: one line per feature, "NAME ok" or "NAME no" -----------------
# Debian's busybox sh runs its own ip and tc applets whatever PATH says: the
# copied tools are called by their paths.
PROBE='ip() { /usr/bin/ip "$@"; }
tc() { /usr/sbin/tc "$@"; }
p() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n ok"; else echo "$n no"; fi; }
fs() { grep -qw "$1" /proc/filesystems; }
ip link set lo up
p veth ip link add vcv0 type veth peer name vcv1
p bridge ip link add vcbr0 type bridge
p bridge-port ip link set vcv1 master vcbr0
p vlan ip link add link vcv0 name vcv0.10 type vlan id 10
p macvlan ip link add link vcv0 name vcmv0 type macvlan mode bridge
p macvtap ip link add link vcv0 name vcmt0 type macvtap
p ipvlan sh -c "/usr/bin/ip link add vcv2 type veth peer name vcv3 && /usr/bin/ip link add link vcv2 name vciv0 type ipvlan mode l2"
p vxlan ip link add vcvx0 type vxlan id 42 dstport 4789 local 127.0.0.1
p geneve ip link add vcgn0 type geneve id 42 remote 127.0.0.2
p wireguard ip link add vcwg0 type wireguard
p tun ip tuntap add dev vctun0 mode tun
p tap ip tuntap add dev vctap0 mode tap
p dummy ip link add vcd0 type dummy
ip link add vctc0 type veth peer name vctc1
p tc-htb tc qdisc add dev vctc0 root handle 1: htb
p tc-u32 tc filter add dev vctc0 parent 1: protocol ip u32 match ip dport 80 0xffff flowid 1:1
p tc-fq-codel tc qdisc add dev vcv0 root fq_codel
p tc-netem tc qdisc add dev vcv1 root netem delay 1ms
p tc-ingress-matchall sh -c "/usr/sbin/tc qdisc add dev vctc1 ingress && /usr/sbin/tc filter add dev vctc1 parent ffff: matchall action drop"
p iptables-legacy-nat iptables-legacy -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080
p iptables-legacy-filter iptables-legacy -A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment vc -m conntrack --ctstate NEW -j ACCEPT
p iptables-legacy-owner iptables-legacy -A OUTPUT -m owner --uid-owner 1337 -j RETURN
p iptables-legacy-mangle iptables-legacy -t mangle -A PREROUTING -j MARK --set-mark 1
p iptables-legacy-addrtype iptables-legacy -A INPUT -m addrtype --dst-type LOCAL -m statistic --mode random --probability 0.5 -j RETURN
p ip6tables-legacy ip6tables-legacy -t nat -A OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 8080
p iptables-nft-nat iptables-nft -t nat -A OUTPUT -p tcp --dport 80 -m owner ! --uid-owner 1337 -j REDIRECT --to-ports 15001
p iptables-nft-masquerade iptables-nft -t nat -A POSTROUTING -o vcv0 -j MASQUERADE
p iptables-nft-tproxy iptables-nft -t mangle -A PREROUTING -p tcp -j TPROXY --on-port 15006 --tproxy-mark 1
p nft-table nft add table inet vc
p nft-chain nft "add chain inet vc in { type filter hook input priority 0; policy accept; }"
p nft-ct-rule nft add rule inet vc in ct state established counter accept
p ipvs test -e /proc/net/ip_vs
p overlay sh -c "mkdir -p /tmp/o && mount -t tmpfs none /tmp/o && mkdir /tmp/o/l /tmp/o/u /tmp/o/w /tmp/o/m && mount -t overlay none -o lowerdir=/tmp/o/l,upperdir=/tmp/o/u,workdir=/tmp/o/w /tmp/o/m"
p fuse fs fuse
p squashfs fs squashfs
p erofs fs erofs
p nfs fs nfs
p userns unshare -U true
p seccomp grep -q "^Seccomp:" /proc/self/status'
# What the lean kernel has as modules, as a container asks for them.
NEEDED="dummy; macvtap; ipvlan; vxlan; geneve; wireguard; sch_netem; xt_TPROXY; ip_vs; squashfs; erofs; nfs"

b=$(admin_bundle probe)
spec_script "$b" "$PROBE"
runc_out=$(run_runc "$b")
vm_lean=$(run_vc "$b")
spec_set "$b" '.annotations[$k] = $v' --arg k "$MODULES" --arg v "$NEEDED"
vm_out=$(run_vc "$b")
printf '%-26s %-6s %-12s %s\n' feature runc "VM (lean)" "VM (+modules)"
missing=""
while read -r name state; do
  lean=$(awk -v n="$name" '$1 == n {print $2}' <<<"$vm_lean")
  vm=$(awk -v n="$name" '$1 == n {print $2}' <<<"$vm_out")
  printf '%-26s %-6s %-12s %s\n' "$name" "$state" "$lean" "$vm"
  [ "$state" = ok ] && [ "$vm" != ok ] && missing+=" $name"
done <<<"$runc_out"
[ -z "$missing" ] || fail "features runc's container has on this host and the VM's lacks:$missing"
for name in bridge vlan macvlan tun iptables-legacy-nat iptables-nft-nat nft-ct-rule tc-htb overlay fuse userns; do
  assert_contains "$vm_lean" "$name ok" "built into the lean kernel"
done
for name in dummy ipvlan vxlan geneve wireguard iptables-nft-tproxy ipvs squashfs erofs nfs; do
  assert_contains "$vm_out" "$name ok" "loaded on demand"
done
pass "every feature runc's container has here, the VM's has too ($(grep -c ' ok$' <<<"$vm_out") of $(wc -l <<<"$vm_out") probed; $(grep -c ' ok$' <<<"$runc_out") under runc)"

# Built-in drivers make no interface of their own (dummy0, sit0, ...): the
# guest's network, which pod containers share, has loopback only.
links=$(virtc run --rootfs "$ROOTFS" -- ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')
assert_eq "lo " "$links" "the interfaces of a guest without a pod network"
pass "the guest kernel adds no interface of its own"

# --- iptables in a pod: port 80 NATed to 8080, reached from a peer namespace --
ip netns add "$SRV"
ip netns add "$CLI"
ip link add vcnat0 netns "$CLI" type veth peer name eth0 netns "$SRV"
ip -n "$CLI" link set lo up && ip -n "$CLI" addr add 10.98.0.1/24 dev vcnat0 && ip -n "$CLI" link set vcnat0 up
ip -n "$SRV" link set lo up && ip -n "$SRV" addr add 10.98.0.2/24 dev eth0 && ip -n "$SRV" link set eth0 up
mkdir -p "$ROOTFS/www"
echo "natted" >"$ROOTFS/www/index.html"
# The container moves on when the test has checked each step (files in a shared directory).
b=$(admin_bundle nat)
spec_set "$b" '.linux.namespaces |= map(if .type == "network" then .path = $ns else . end)
  | .mounts += [{destination: "/steps", type: "bind", source: $steps, options: ["rbind", "rw"]}]' \
  --arg ns "/var/run/netns/$SRV" --arg steps "$WORK/steps"
spec_script "$b" 'step() { touch /steps/$1; i=0; while [ ! -e /steps/$1.done ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done; }
httpd -p 8080 -h /www && step plain
iptables-legacy -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080 && step legacy
iptables-legacy -t nat -F PREROUTING
iptables-nft -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080 && step nft
echo finished'
fetch() { timeout 5 ip netns exec "$CLI" /bin/busybox wget -q -O- "http://10.98.0.2:$1/index.html" 2>/dev/null; }
wait_step() {  # STEP
  for _ in $(seq 600); do [ -e "$WORK/steps/$1" ] && return 0; sleep 0.1; done
  fail "the container never reached step $1"
}
nat_run() {  # RUNTIME: what a client in the peer namespace got at each step
  local run_pid out=""
  rm -rf "$WORK/steps" && mkdir -p "$WORK/steps"
  if [ "$1" = runc ]; then
    runc --root "$RUNC_ROOT" run -b "$b" "nat-$$" </dev/null >"$WORK/nat.log" 2>&1 &
  else
    virtc run --netns "/var/run/netns/$SRV" --bundle "$b" </dev/null >"$WORK/nat.log" 2>&1 &
  fi
  run_pid=$!
  wait_step plain
  out+="plain 8080: $(fetch 8080); plain 80: $(fetch 80 || echo refused)"$'\n'
  touch "$WORK/steps/plain.done"
  wait_step legacy
  out+="iptables-legacy 80: $(fetch 80 || echo refused)"$'\n'
  touch "$WORK/steps/legacy.done"
  wait_step nft
  out+="iptables-nft 80: $(fetch 80 || echo refused)"$'\n'
  touch "$WORK/steps/nft.done"
  wait "$run_pid" || fail "$1: the NAT container failed: $(cat "$WORK/nat.log")"
  printf '%s' "$out"
}
nat_runc=$(nat_run runc)
nat_vm=$(nat_run vc)
assert_eq "$nat_runc" "$nat_vm" "what the peer namespace's client got, runc against the VM"
assert_contains "$nat_vm" "iptables-nft 80: natted" "port 80 through nftables' REDIRECT"
assert_contains "$nat_vm" "iptables-legacy 80: natted" "port 80 through legacy iptables' REDIRECT"
assert_contains "$nat_vm" "plain 80: refused" "port 80 before any rule"
pass "iptables NAT in a pod (legacy and nft backends): port 80 redirected to 8080, reached from a peer namespace, as under runc"
assert_clean

# --- modules on demand --------------------------------------------------------
# Privileged (every device allowed): the loop nodes name the guest's own loop
# devices; none of the host's enters the VM.
b=$(admin_bundle squash)
spec_set "$b" '.linux.devices += [{path: "/dev/loop-control", type: "c", major: 10, minor: 237}]
    + [range(4) | {path: "/dev/loop\(.)", type: "b", major: 7, minor: .}]
  | .linux.resources.devices = [{allow: true, access: "rwm"}]'
spec_script "$b" 'mkdir -p /mnt && mount -t squashfs -o loop,ro /image.sqfs /mnt && cat /mnt/file; grep -w squashfs /proc/modules | cut -d" " -f1'
spec_set "$b" '.annotations[$k] = "squashfs"' --arg k "$MODULES"
out=$(run_vc "$b")
assert_contains "$out" "squashed" "a squashfs image mounted in the VM after its module was loaded"
assert_contains "$out" "squashfs" "/proc/modules in the guest"
spec_set "$b" '.annotations[$k] = "squashfs; no_such_module"' --arg k "$MODULES"
expect_error "kernel module 'no_such_module' does not exist" virtc run --bundle "$b"
assert_clean
pass "a module loaded on demand by annotation (squashfs: an image mounted); an unknown module refused by name, nothing left"

#!/usr/bin/env bash
# linux.sysctl, hostname and domainname, under runc and virtc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

b=$(new_bundle sysctl)
spec_set "$b" '.hostname = "oci-host" | .domainname = "oci.example"
  | .linux.sysctl = {"kernel.shmmax": "123456", "fs.mqueue.msg_max": "20", "net.ipv4.ip_forward": "1",
                     "net.ipv4.conf.lo.arp_ignore": "2"}'
spec_script "$b" 'cat /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max /proc/sys/net/ipv4/ip_forward
cat /proc/sys/net/ipv4/conf/lo/arp_ignore; hostname'
same "$b" "namespaced sysctls and hostname"
assert_eq "123456
20
1
2
oci-host" "$SAME_OUT" "the values inside"
# runc 1.1 predates the spec's domainname (runtime-spec 1.1.0): checked on virtc only.
spec_script "$b" 'cat /proc/sys/kernel/domainname'
assert_eq "oci.example" "$(run_vc "$b")" "domainname"
pass "domainname"

b=$(new_bundle global-sysctl)
spec_set "$b" '.linux.sysctl = {"kernel.panic": "1"}'
refused "$b" "sysctl 'kernel.panic' is not namespaced" "a sysctl that is not namespaced"

assert_clean

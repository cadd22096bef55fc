#!/usr/bin/env bash
# linux.resources on the guest's cgroup v2: what the container reads back in
# its own cgroup (a cgroup namespace). The host here runs cgroup v1, so runc's
# files differ by nature: this test checks virtc's values against the spec.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

b=$(new_bundle resources)
spec_set "$b" '.linux.namespaces += [{type: "cgroup"}] | .linux.resources = {
    memory: {limit: 67108864, reservation: 33554432, swap: 100663296},
    cpu: {shares: 1024, quota: 50000, period: 100000, cpus: "0", mems: "0"},
    pids: {limit: 42},
    unified: {"memory.high": "60000000"}}'
spec_script "$b" 'cd /sys/fs/cgroup
for f in memory.max memory.low memory.swap.max memory.high cpu.max cpu.weight cpuset.cpus cpuset.mems pids.max; do
  echo "$f $(cat $f)"
done'
assert_eq "memory.max 67108864
memory.low 33554432
memory.swap.max 33554432
memory.high 59998208
cpu.max 50000 100000
cpu.weight 39
cpuset.cpus 0
cpuset.mems 0
pids.max 42" "$(run_vc "$b")" "the container's cgroup files"
pass "memory, swap, reservation, cpu, cpuset, pids and unified"

b=$(new_bundle bad-unified)
spec_set "$b" '.linux.resources = {unified: {"../cgroup.procs": "1"}}'
expect_error "is not a cgroup file" virtc run --bundle "$b"
assert_clean
pass "a unified key outside the cgroup is refused"

assert_clean

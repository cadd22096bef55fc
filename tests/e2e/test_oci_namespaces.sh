#!/usr/bin/env bash
# linux.namespaces: a new pid, ipc, uts and network namespace (loopback
# only, up), and a cgroup namespace, under runc and virtc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

b=$(new_bundle namespaces)
spec_set "$b" '.linux.namespaces = [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "network"}]
  | .hostname = "ns-test"'
spec_script "$b" 'echo "pid $$"; ls -A /dev/mqueue; hostname
tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; cat /sys/class/net/lo/operstate'
same "$b" "new pid, ipc, uts and network namespaces"
assert_eq "pid 1
ns-test
lo
unknown" "$SAME_OUT" "what the namespaces show"

# The host here has cgroup v1, the guest v2: only the guest's view is checked.
b=$(new_bundle cgroupns)
spec_set "$b" '.linux.namespaces += [{type: "cgroup"}]'
spec_script "$b" 'cat /proc/self/cgroup'
assert_eq "0::/" "$(run_vc "$b")" "a cgroup namespace's root is the container's cgroup"
pass "cgroup namespace"

# Containers of one pod (CRI): a container whose pid, ipc and uts entries
# name a path joins the namespaces of the pod's sandbox container
# (io.kubernetes.cri.sandbox-id), here the sandbox's first container, "main".
pause=$(new_bundle pause)
spec_set "$pause" '.hostname = "pod-host" | .linux.sysctl = {"kernel.shmmax": "4242"}
  | .linux.namespaces = [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}]'
spec_script "$pause" 'exec sleep 1000'
member=$(new_bundle member)
spec_set "$member" '.annotations = {"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "main"}
  | .linux.namespaces = [{type: "pid", path: "/proc/7/ns/pid"}, {type: "ipc", path: "/proc/7/ns/ipc"},
                         {type: "uts", path: "/proc/7/ns/uts"}, {type: "mount"}]'
spec_script "$member" 'hostname; cat /proc/sys/kernel/shmmax; tr "\0" " " </proc/1/cmdline; echo'
virtc sandbox run --id pod --bundle "$pause" >/dev/null
virtc container create --sandbox pod --id member --bundle "$member"
virtc container start --sandbox pod --id member
assert_eq "pod-host
4242
sleep 1000 " "$(virtc container attach --sandbox pod --id member)" "the pod's uts, ipc and pid namespaces"
virtc sandbox stop --id pod
virtc sandbox delete --id pod
pass "a pod member joins the sandbox container's pid, ipc and uts namespaces"

# A user namespace: root inside is uid 1000 outside. The image is owned by
# root, so inside it shows as nobody (65534), under both runtimes.
# The mapped root must reach the image through $WORK (mktemp made it 0700).
chmod 755 "$WORK"
b=$(new_bundle userns)
spec_set "$b" '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 1000, size: 65536}]
  | .linux.gidMappings = [{containerID: 0, hostID: 1000, size: 65536}] | .hostname = "userns"'
spec_script "$b" 'id; cat /proc/self/uid_map /proc/self/gid_map; grep -E "^Cap(Eff|Bnd)" /proc/self/status
hostname; stat -c "%u:%g" /bin/busybox; ls /dev/null /dev/zero; echo x >/dev/null && echo "devices work"
awk '"'"'$5 == "/sys" { print $6 }'"'"' /proc/self/mountinfo'
same "$b" "a user namespace with id maps"
assert_contains "$SAME_OUT" "65534:65534" "the image's root seen from the user namespace"
assert_contains "$SAME_OUT" "devices work" "bound device nodes"

b=$(new_bundle userns-path)
spec_set "$b" '.linux.namespaces += [{type: "user", path: "/proc/1/ns/user"}]'
refused "$b" "joining the user namespace /proc/1/ns/user is not supported" "joining a user namespace by path"

# A time namespace with clock offsets (runc 1.1 predates them: virtc only).
b=$(new_bundle timens)
spec_set "$b" '.linux.namespaces += [{type: "time"}]
  | .linux.timeOffsets = {monotonic: {secs: 864000, nanosecs: 0}, boottime: {secs: 1728000, nanosecs: 0}}'
spec_script "$b" 'cut -d. -f1 /proc/uptime; cat /proc/self/timens_offsets'
out=$(run_vc "$b")
uptime=$(head -1 <<<"$out")
[ "$uptime" -ge 1728000 ] && [ "$uptime" -lt 1729000 ] || fail "uptime in the time namespace: $uptime"
assert_contains "$out" "monotonic      864000" "the monotonic offset"
pass "a time namespace with boottime and monotonic offsets"

b=$(new_bundle bad-clock)
spec_set "$b" '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {sundial: {secs: 1}}'
refused "$b" "unknown clock 'sundial'" "an unknown clock"

# linux.personality (runc 1.1 predates it: virtc only).
b=$(new_bundle personality)
spec_set "$b" '.linux.personality = {domain: "LINUX32"}'
spec_script "$b" 'uname -m'
assert_eq "i686" "$(run_vc "$b")" "uname -m under LINUX32"
pass "linux.personality LINUX32"

b=$(new_bundle twice)
spec_set "$b" '.linux.namespaces += [{type: "pid"}]'
refused "$b" "'pid' is listed twice" "a namespace listed twice"

assert_clean

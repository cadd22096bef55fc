#!/usr/bin/env bash
# process.capabilities, noNewPrivileges and user (uid, gid, additionalGids,
# umask): what /proc/self/status and id show, under runc and under virtc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

show='grep -E "^(Cap|NoNewPrivs)" /proc/self/status; id; umask'

b=$(new_bundle root-caps)
spec_set "$b" '.process.capabilities = {
    bounding: ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_KILL"],
    effective: ["CAP_CHOWN", "CAP_NET_RAW"],
    permitted: ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN"],
    inheritable: ["CAP_NET_RAW"],
    ambient: ["CAP_NET_RAW"]} | .process.noNewPrivileges = false'
spec_script "$b" "$show"
same "$b" "root with five different capability sets"
assert_contains "$SAME_OUT" "NoNewPrivs:	0" "noNewPrivileges false"

b=$(new_bundle user-caps)
spec_set "$b" '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 63}
  | .process.capabilities = {bounding: ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
      effective: ["CAP_NET_BIND_SERVICE"], permitted: ["CAP_NET_BIND_SERVICE"],
      inheritable: ["CAP_NET_BIND_SERVICE"], ambient: ["CAP_NET_BIND_SERVICE"]}'
spec_script "$b" "$show"
same "$b" "a user with groups, a umask and an ambient capability"
assert_contains "$SAME_OUT" "uid=1000 gid=1000 groups=10,20" "the user's ids"
assert_contains "$SAME_OUT" "CapEff:	0000000000000400" "CAP_NET_BIND_SERVICE effective"
assert_contains "$SAME_OUT" "0077" "umask 63 (077)"

b=$(new_bundle no-caps)
spec_set "$b" 'del(.process.capabilities) | .process.user = {uid: 1, gid: 1}'
spec_script "$b" "$show"
same "$b" "no capabilities section, uid 1"

b=$(new_bundle bad-cap)
spec_set "$b" '.process.capabilities.bounding += ["CAP_TIME_TRAVEL"]'
refused "$b" "unknown capability 'CAP_TIME_TRAVEL'" "an unknown capability"

b=$(new_bundle bad-umask)
spec_set "$b" '.process.user.umask = 4096'
refused "$b" "umask must be within 0..0777" "a umask out of range"

assert_clean

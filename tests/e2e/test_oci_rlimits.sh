#!/usr/bin/env bash
# process.rlimits and process.oomScoreAdj, under runc and virtc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oci_lib.sh"

b=$(new_bundle rlimits)
spec_set "$b" '.process.rlimits = [
    {type: "RLIMIT_NOFILE", soft: 100, hard: 200},
    {type: "RLIMIT_NPROC", soft: 50, hard: 60},
    {type: "RLIMIT_CORE", soft: 0, hard: 4096},
    {type: "RLIMIT_MSGQUEUE", soft: 1000, hard: 2000}]
  | .process.oomScoreAdj = 500'
spec_script "$b" 'grep -E "^Max (open files|processes|core file size|msgqueue size)" /proc/self/limits
ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj'
same "$b" "rlimits and oomScoreAdj"
assert_contains "$SAME_OUT" "Max open files            100                  200" "RLIMIT_NOFILE"
assert_contains "$SAME_OUT" "500" "oomScoreAdj"

b=$(new_bundle bad-rlimit)
spec_set "$b" '.process.rlimits += [{type: "RLIMIT_BANANAS", soft: 1, hard: 1}]'
refused "$b" "unknown rlimit type 'RLIMIT_BANANAS'" "an unknown rlimit"

b=$(new_bundle soft-above-hard)
spec_set "$b" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 300, hard: 200}]'
refused "$b" "the soft limit is above the hard one" "a soft limit above the hard one"

assert_clean

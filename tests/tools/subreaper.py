"""Runs a command as a subreaper would (conmon, containerd's shims): the
processes it leaves behind become ours. After the command exits, runs the
second command (if any), then waits for the orphan whose pid is in PIDFILE
and writes its exit status, as a shell reports it, to STATUSFILE.

usage: subreaper.py PIDFILE STATUSFILE -- CMD... [--then CMD...]
"""
import ctypes
import os
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def main():
    pidfile, statusfile = sys.argv[1], sys.argv[2]
    rest = sys.argv[4:]
    first, then = (rest[:rest.index("--then")], rest[rest.index("--then") + 1:]) if "--then" in rest else (rest, [])
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    rc = subprocess.call(first)
    if rc != 0:
        sys.exit("%s exited %d" % (first[0], rc))
    pid = int(open(pidfile).read())
    if then and subprocess.call(then) != 0:
        sys.exit("%s failed" % then[0])
    _, status = os.waitpid(pid, 0)
    with open(statusfile, "w") as f:
        f.write("%d\n" % (os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)))


main()

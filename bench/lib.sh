# Shared by the benchmarks that run sandboxes under a private state root
# ($root, inside the work directory $work): removes every sandbox there, then
# whatever still mentions $work (processes, mounts), then $work.
remove_sandboxes_and_work() {
  for id in $("$virtc" --root "$root" sandbox list 2>/dev/null | awk 'NR > 1 {print $1}'); do
    "$virtc" --root "$root" sandbox stop --id "$id" >/dev/null 2>&1 || true
    "$virtc" --root "$root" sandbox delete --id "$id" >/dev/null 2>&1 || true
  done
  pkill -9 -f -- "$work/" 2>/dev/null || true
  grep -F "$work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}

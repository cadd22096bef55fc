# VM templates: `virtc factory init` boots a VM once and saves it; sandboxes
# started with --template continue from a copy-on-write copy of it. Checked:
# ten sandboxes from one template do not share files, processes, randomness
# or clock; a template made for another kernel, a damaged one and a missing
# one give a clear warning and a cold boot; `factory destroy` leaves nothing;
# the containerd shim uses the template when its configuration says so.
source "$(dirname "$0")/lib.sh"

# Debian's cloud kernel has no 9p, which templates share files over: the
# sandbox is refused with a clear message.
if [ "$GUEST_DIR" = "$VC_BUILD/guest/debian" ]; then
  virtc factory init >/dev/null
  expect_error "the guest kernel has no 9p file system" virtc --template run --rootfs "$ROOTFS" -- true
  virtc factory destroy
  pass "Debian's cloud kernel (no 9p): a templated sandbox is refused clearly"
  exit 0
fi

assert_contains "$(virtc factory status)" "no template in $ROOT/factory/template" "status before init"
expect_error 'needs shared_fs = "virtio-9p"' virtc --shared-fs virtio-fs factory init
expect_error 'enable_template needs shared_fs = "virtio-9p"' virtc --template --shared-fs virtio-fs run --rootfs "$ROOTFS" -- true
pass "templates refuse a virtio-fs share clearly"

out=$(virtc factory init)
assert_contains "$out" "kernel    $GUEST_KERNEL" "factory init"
assert_contains "$out" "fits      yes" "factory init"
[ -z "$(pgrep -f -- "$ROOT/factory" || true)" ] || fail "the template VM still runs after init"
pass "factory init makes a template ($(sed -n 's/^vm *//p' <<<"$out"))"

# Ten sandboxes from the template, alive at once, each on a root of its own.
n=10
for i in $(seq $n); do
  cp -a "$ROOTFS" "$WORK/root$i"
  virtc --template sandbox run --id t$i --rootfs "$WORK/root$i" -- sh -c "echo secret$i > /mine; exec sleep 1000" >/dev/null
done
for i in $(seq $n); do
  timeline=$(virtc sandbox status --id t$i --timeline)
  assert_contains "$timeline" "restore" "sandbox t$i's start"
  [[ "$timeline" != *guest-kernel* ]] || fail "sandbox t$i booted: $timeline"
  virtc container enter --sandbox t$i --id main -- sh -c \
    'cat /mine; cat /proc/sys/kernel/random/boot_id; head -c 16 /dev/urandom | od -An -tx1 | tr -d " \n"; echo; date +%s; ps -o pid= | wc -l' \
    >"$WORK/seen$i"
  assert_eq "secret$i" "$(sed -n 1p "$WORK/seen$i")" "sandbox t$i's own file"
  [ "$(sed -n 5p "$WORK/seen$i")" -le 4 ] || fail "sandbox t$i sees foreign processes: $(cat "$WORK/seen$i")"
  clock=$(sed -n 4p "$WORK/seen$i")
  [ $(( $(date +%s) - clock )) -le 5 ] && [ $(( clock - $(date +%s) )) -le 5 ] ||
    fail "sandbox t$i's clock is $clock, the host's $(date +%s)"
done
for field in 2 3; do
  distinct=$(for i in $(seq $n); do sed -n ${field}p "$WORK/seen$i"; done | sort -u | wc -l)
  assert_eq "$n" "$distinct" "distinct values of line $field (boot_id, urandom) among $n sandboxes"
done
for i in $(seq $n); do
  for j in $(seq $n); do
    [ "$i" = "$j" ] || ! grep -qx "secret$i" "$WORK/root$j/mine" || fail "sandbox t$j sees t$i's file"
  done
done
pass "$n sandboxes from one template: own files, own processes, own boot_id and randomness, the host's clock"
for i in $(seq $n); do virtc sandbox stop --id t$i; virtc sandbox delete --id t$i; done

# A template made for another kernel file is stale once that file changes.
cp "$GUEST_KERNEL_PATH" "$WORK/vmlinux"
cp "$GUEST_DIR/initramfs.cpio" "$WORK/initramfs.cpio"
virtc --kernel "$WORK/vmlinux" factory init >/dev/null
touch -d '1 hour ago' "$WORK/vmlinux"
assert_contains "$(virtc --kernel "$WORK/vmlinux" factory status)" "stale: the guest kernel changed" "status after the kernel changed"
virtc --kernel "$WORK/vmlinux" --template run --timeline --rootfs "$ROOTFS" -- echo booted >"$WORK/out" 2>"$WORK/err"
assert_eq booted "$(cat "$WORK/out")" "a sandbox with a stale template"
assert_contains "$(cat "$WORK/err")" "boots instead of starting from the VM template" "warning"
assert_contains "$(cat "$WORK/err")" "guest-kernel" "the timeline of a cold boot"
pass "a stale template (kernel changed) is refused: warning, cold boot"

# A damaged template: truncated state, then a state QEMU cannot load.
virtc factory init >/dev/null
state=$ROOT/factory/template/state
head -c 1000 "$state" >"$state.cut" && mv "$state.cut" "$state"
assert_contains "$(virtc factory status)" "state file $state is missing or damaged" "status of a truncated template"
virtc --template run --rootfs "$ROOTFS" -- echo booted >"$WORK/out" 2>"$WORK/err"
assert_eq booted "$(cat "$WORK/out")" "a sandbox with a truncated template"
assert_contains "$(cat "$WORK/err")" "is missing or damaged" "warning"
# Garbage that passes the template's own check (its digest recomputed): the
# supervisor finds out when QEMU refuses it, and boots.
head -c 4096 /dev/urandom >"$state"
/usr/bin/python3 - "$ROOT/factory/template" <<'PY'
import json, sys
d = sys.argv[1]
h = 0xcbf29ce484222325
for b in open(d + "/state", "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
meta = json.load(open(d + "/template.json"))
meta["state_digest"] = "%016x" % h
json.dump(meta, open(d + "/template.json", "w"))
PY
assert_contains "$(virtc factory status)" "fits      yes" "status of a template with a forged digest"
virtc --template sandbox run --id forged --rootfs "$ROOTFS" -- sleep 1000 >/dev/null ||
  fail "no fallback boot: $(cat "$ROOT/sbs/forged/supervisor.log")"
assert_contains "$(virtc sandbox status --id forged --timeline)" "guest-kernel" "the timeline of the fallback boot"
grep -q "booting instead of starting from the VM template" "$ROOT/sbs/forged/supervisor.log" ||
  fail "no word of the failed restore in the supervisor's log"
virtc sandbox stop --id forged && virtc sandbox delete --id forged
rm -rf "$ROOT/factory/template"
virtc --template run --rootfs "$ROOTFS" -- echo booted >"$WORK/out" 2>"$WORK/err"
assert_contains "$(cat "$WORK/err")" "no VM template" "warning without a template"
pass "a damaged or missing template: warning, cold boot, a working sandbox"

virtc factory init >/dev/null
virtc factory destroy
[ ! -e "$ROOT/factory" ] || fail "factory destroy left $(ls -R "$ROOT/factory")"
[ -z "$(pgrep -f -- "$ROOT/factory" || true)" ] || fail "a template VM outlived destroy"
pass "factory destroy leaves nothing"

# The containerd shim starts pods from the template when configured to.
source "$(dirname "$0")/containerd_lib.sh"
before_cleanup() { ctd_log_tail "$1" 30; ctd_stop; }
printf '[factory]\nenable_template = true\n' >>"$VC_CONFIG"
virtc factory init >/dev/null
ctd_up
out=$(ctd_ctr run --runtime io.containerd.vc.v2 --runtime-config-path "$VC_CONFIG" --rm "$IMAGE" tpl uname -r </dev/null)
assert_eq "$GUEST_KERNEL" "$out" "ctr run from the template"
line=$(grep -a "start timeline" "$CTD_LOG" | grep -F "sandbox=tpl" | head -1 || true)
assert_contains "$line" " restore=" "the shim's start timeline"
pass "the shim starts a pod from the template ($(sed 's/.*start timeline[^:]*: //; s/"//g' <<<"$line" | cut -c1-100))"
virtc factory destroy
assert_clean
pass "nothing left behind"

# vc-monitor: /metrics in Prometheus's text format for the sandboxes of a
# state root, checked by promtool, scraped by Debian's prometheus (both on
# loopback) and queried through prometheus's HTTP API; a sandbox whose guest
# does not answer is reported, not fatal. The monitored sandbox has a pod
# network namespace of this test's own (a veth pair inside it).
source "$(dirname "$0")/lib.sh"

for tool in prometheus promtool curl jq python3; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/setup.sh"
done
MONITOR="$VC_BUILD/bin/vc-monitor"
[ -x "$MONITOR" ] || fail "missing $MONITOR: build the project first (scripts/build.sh)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
MONITOR_PID= PROM_PID= QEMU_PID=
POD=vcmon-$$
before_cleanup() {
  [ -z "$QEMU_PID" ] || kill -CONT "$QEMU_PID" 2>/dev/null || true
  for pid in $MONITOR_PID $PROM_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  virtc sandbox delete --force --id mon >/dev/null 2>&1 || true
  ip netns del "$POD" 2>/dev/null || true
}

ip netns add "$POD"
ip -n "$POD" link add veth0 type veth peer name eth0
ip -n "$POD" addr add 10.97.0.2/24 dev eth0
ip -n "$POD" link set veth0 up
ip -n "$POD" link set eth0 up
virtc sandbox run --id mon --netns "/var/run/netns/$POD" --rootfs "$ROOTFS" -- sh -c 'while :; do sleep 1; done' >/dev/null
virtc sandbox create --id idle >/dev/null
CTR=$(virtc sandbox status --id mon --json | jq -r '.containers[0].id')
# A failed call of the runtime, counted under the state root.
expect_error "not found" virtc sandbox start --id nonexistent

expect_error "--listen nowhere: expected HOST:PORT" "$MONITOR" --listen nowhere --root "$ROOT"
PORT=$(free_port)
"$MONITOR" --listen "127.0.0.1:$PORT" --root "$ROOT" 2>"$WORK/monitor.log" &
MONITOR_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/metrics" >/dev/null && break; sleep 0.1; done
metrics=$(curl -sf "http://127.0.0.1:$PORT/metrics") || fail "no /metrics: $(cat "$WORK/monitor.log")"
promtool check metrics <<<"$metrics" || fail "promtool finds fault with the exposition"
# A metric's value for a label set ("name{labels}"), or empty.
value() { awk -v key="$1" 'index($0, key " ") == 1 {print $NF}' <<<"$metrics"; }
positive() { awk -v v="$(value "$1")" 'BEGIN {exit !(v > 0)}' || fail "$1 is not positive: '$(value "$1")'"; }
assert_eq 1 "$(value 'vc_sandboxes{state="running"}')" "running sandboxes"
assert_eq 1 "$(value 'vc_sandboxes{state="ready"}')" "ready sandboxes"
assert_eq 1 "$(value 'vc_sandbox_info{sandbox="idle",state="ready"}')" "the created sandbox's info"
for process in supervisor qemu-system-x86 virtiofsd; do
  for metric in resident_memory_bytes proportional_memory_bytes threads open_fds; do
    positive "vc_process_${metric}{sandbox=\"mon\",process=\"$process\"}"
  done
done
qemu_rss=$(value 'vc_process_resident_memory_bytes{sandbox="mon",process="qemu-system-x86"}')
awk -v v="$qemu_rss" 'BEGIN {exit !(v > 32 * 1048576)}' || fail "QEMU's resident memory is $qemu_rss bytes"
assert_eq 1 "$(value 'vc_guest_up{sandbox="mon"}')" "the running guest answers"
positive 'vc_agent_resident_memory_bytes{sandbox="mon"}'
positive "vc_container_memory_bytes{sandbox=\"mon\",container=\"$CTR\"}"
positive "vc_container_pids{sandbox=\"mon\",container=\"$CTR\"}"
assert_eq 1 "$(value "vc_container_info{sandbox=\"mon\",container=\"$CTR\",state=\"running\"}")" "the container's info"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/elsewhere")" "another path"
pass "vc-monitor: host processes, guest agent and container metrics of each sandbox, valid for promtool"

# The guest's own counters, from its kernel through the agent.
total=$(value 'vc_guest_memory_total_bytes{sandbox="mon"}')
awk -v t="$total" 'BEGIN {exit !(t > 128 * 1048576 && t <= 256 * 1048576)}' ||
  fail "the guest's memory is $total bytes, the VM has 256 MiB"
positive 'vc_guest_memory_available_bytes{sandbox="mon"}'
positive 'vc_guest_cpu_seconds_total{sandbox="mon",mode="idle"}'
positive 'vc_guest_cpu_seconds_total{sandbox="mon",mode="system"}'
[ -n "$(value 'vc_guest_load1{sandbox="mon"}')" ] || fail "no guest load average"
# The pod's eth0 in the guest (its NIC), with its counters; loopback is not listed.
[ -n "$(value 'vc_guest_network_receive_bytes_total{sandbox="mon",interface="eth0"}')" ] ||
  fail "no counters of the guest's eth0: $(grep vc_guest_network <<<"$metrics" | head -5)"
[ -n "$(value 'vc_guest_network_transmit_packets_total{sandbox="mon",interface="eth0"}')" ] || fail "no eth0 transmit"
[ -z "$(value 'vc_guest_network_receive_bytes_total{sandbox="mon",interface="lo"}')" ] || fail "loopback listed"
pass "the guest's memory, CPU time, load and its interface's counters"

# The runtime's own: the last start's phases, the starts and the failed calls.
positive 'vc_sandbox_start_seconds{sandbox="mon"}'
assert_eq 0 "$(value 'vc_sandbox_from_template{sandbox="mon"}')" "mon booted"
assert_eq 1 "$(value 'vc_start_phase_seconds_count{phase="agent-ready"}')" "one start's agent-ready phase"
assert_eq 1 "$(value 'vc_start_phase_seconds_bucket{phase="agent-ready",le="+Inf"}')" "the histogram's last bucket"
positive 'vc_start_phase_seconds_sum{phase="vmm"}'
assert_eq 1 "$(value 'vc_vm_starts_total{source="boot"}')" "VMs booted under this root"
assert_eq 0 "$(value 'vc_vm_starts_total{source="template"}')" "VMs from the template"
assert_eq 1 "$(value 'vc_operation_errors_total{operation="start sandbox",code="not found"}')" "the failed start"
pass "start phases as a histogram, VM starts by source, failed calls by operation and code"

# Debian's prometheus scrapes it every second; its API finds the sandbox.
PROM_PORT=$(free_port)
cat >"$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: vc
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
query() { curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"; }
found=
for _ in $(seq 60); do
  found=$(query 'vc_process_resident_memory_bytes{sandbox="mon",process="qemu-system-x86"}' |
            jq -r '.data.result[0].value[1] // empty' 2>/dev/null) && [ -n "$found" ] && break
  sleep 1
done
[ -n "$found" ] || fail "prometheus has no QEMU memory series for sandbox mon: $(tail -5 "$WORK/prometheus.log")"
assert_eq 1 "$(query 'up{job="vc"}' | jq -r '.data.result[0].value[1]')" "prometheus's target is up"
pass "prometheus scrapes vc-monitor and answers a query for the sandbox's QEMU memory ($found bytes)"

# A guest that does not answer (its QEMU stopped): reported, and the rest of
# the scrape still comes.
QEMU_PID=$(virtc sandbox status --id mon --json | jq -r .hypervisor_pid)
[ "${QEMU_PID:-0}" -gt 0 ] || fail "no QEMU process of sandbox mon"
kill -STOP "$QEMU_PID"
metrics=$(timeout 20 curl -sf "http://127.0.0.1:$PORT/metrics") || fail "no /metrics while a guest does not answer"
kill -CONT "$QEMU_PID"
QEMU_PID=
assert_eq 0 "$(value 'vc_guest_up{sandbox="mon"}')" "a stopped guest is reported down"
assert_eq 1 "$(value 'vc_sandbox_info{sandbox="idle",state="ready"}')" "the other sandbox is still listed"
positive 'vc_process_resident_memory_bytes{sandbox="mon",process="qemu-system-x86"}'
pass "a guest that does not answer is reported (vc_guest_up 0), the scrape goes on"

virtc sandbox stop --id mon
virtc sandbox delete --id mon
virtc sandbox delete --id idle
before_cleanup
MONITOR_PID= PROM_PID=
assert_clean

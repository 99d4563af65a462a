#!/usr/bin/env bash
# Smoke test of the Xen lab, run in dom0 by run.sh:
#   bash deploy/xen/lab/run.sh deploy/xen/lab/smoke.sh
# Creates a service VM from the service image, waits for the boot protocol's "waiting",
# saves and restores it, hands it a spec (role _lab-smoke), pings it, reads its exit code,
# destroys it, and restores the same save image once more (a snapshot is reusable).
set -euo pipefail

out=/xoar/.xen-lab/out
work=/var/lib/xoar/smoke
ip=10.88.0.23
mem=${SMOKE_MEM:-192}
mkdir -p "$work"

step() { echo; echo "=== smoke: $*"; }
now() { echo "$EPOCHREALTIME"; }
since() { # seconds since EPOCHREALTIME value $1, one decimal
  local a=${1/./} b=${EPOCHREALTIME/./} d
  d=$(( (b - a) / 100000 ))
  echo "$((d / 10)).$((d % 10))"
}
declare -A timing=()

dump() {
  echo "--- xl list"; xl list || true
  for f in /var/log/xen/console/guest-*.log; do
    [ -e "$f" ] || continue
    echo "--- $f (last 40 lines)"; tail -n 40 "$f" | tr -d '\r' || true
  done
  echo "--- xl dmesg (last 15)"; xl dmesg | tail -n 15 || true
  echo "--- /var/log/xen (last lines)"; tail -n 20 /var/log/xen/xl-*.log 2>/dev/null || true
}
fail() { echo "smoke: FAIL: $*" >&2; dump >&2; exit 1; }

# wait_key DOMID KEY VALUE TIMEOUT_S: until /local/domain/DOMID/KEY reads VALUE
wait_key() {
  local d=$1 key=$2 want=$3 limit=$4 t0=$EPOCHREALTIME v
  while :; do
    v=$(xenstore-read "/local/domain/$d/$key" 2>/dev/null || true)
    [ "$v" = "$want" ] && return 0
    [ "$(since "$t0" | cut -d. -f1)" -ge "$limit" ] && fail "domain $d: $key is '${v:-<unset>}' after ${limit}s, expected '$want'"
    sleep 0.2
  done
}

for f in xen vmlinuz service.cpio.gz service-root.img; do
  [ -s "$out/$f" ] || fail "$out/$f missing: run deploy/xen/lab/build.sh on the host"
done

step "xl info"
xl info | grep -E '^(xen_major|xen_minor|xen_extra|total_memory|free_memory|nr_cpus)' || fail "xl info failed"
[ "$(xl info | awk '$1 == "xen_major" { print $3 }').$(xl info | awk '$1 == "xen_minor" { print $3 }')" = 4.17 ] \
  || fail "this is not Xen 4.17"
xl list

cfg() {
  cat <<EOF
name = "$1"
type = "pv"
kernel = "$out/vmlinuz"
ramdisk = "$out/service.cpio.gz"
extra = "console=hvc0 quiet"
memory = $mem
vcpus = 1
vif = [ 'bridge=xenbr0' ]
disk = [ 'format=raw,vdev=xvda,access=ro,target=$out/service-root.img' ]
on_poweroff = "preserve"
on_crash = "preserve"
EOF
}
cfg xoar-smoke > "$work/smoke.cfg"
cfg xoar-smoke-r > "$work/smoke-r.cfg"
cfg xoar-smoke-r2 > "$work/smoke-r2.cfg"
cat "$work/smoke.cfg"

step "xl create (${mem} MiB PV domain)"
t=$(now)
xl create "$work/smoke.cfg" || fail "xl create failed"
timing[create]=$(since "$t")
d1=$(xl domid xoar-smoke)
echo "created domid $d1 in ${timing[create]}s"
t=$(now)
wait_key "$d1" data/xoar/state waiting 180
timing[boot-to-waiting]=$(since "$t")
echo "domain $d1 is waiting ${timing[boot-to-waiting]}s after xl create returned"
xl list

step "xl save"
rm -f "$work/t.save"
t=$(now)
xl save xoar-smoke "$work/t.save" || fail "xl save failed"
timing[save]=$(since "$t")
ls -la "$work/t.save"
xl list | grep -q '^xoar-smoke ' && fail "xoar-smoke still listed after xl save"
echo "saved in ${timing[save]}s"

step "xl restore (as xoar-smoke-r)"
t=$(now)
xl restore "$work/smoke-r.cfg" "$work/t.save" || fail "xl restore failed"
timing[restore]=$(since "$t")
d2=$(xl domid xoar-smoke-r)
echo "restored as domid $d2 in ${timing[restore]}s"
t=$(now)
wait_key "$d2" data/xoar/state waiting 60
timing[restore-to-waiting]=$(since "$t")
echo "domain $d2 reports waiting again ${timing[restore-to-waiting]}s later"

step "hand over the spec"
dom=/local/domain/$d2
spec='{"host":"lab","id":"smoke-1","role":"_lab-smoke","instance":1,"natsUrl":"nats://10.88.0.1:4222","heartbeatMs":1000,"config":{"holdSeconds":15,"exitCode":7,"quote":"a\"b\\c"},"readPaths":[],"writePaths":["/var/lib/smoke"]}'
xenstore-write "$dom/xoar" ""
xenstore-chmod "$dom/xoar" n0 "r$d2"
xenstore-write "$dom/xoar/seed" "SUSMOKESMOKESMOKESMOKESMOKESMOKESMOKESMOKESMOKE"
xenstore-write "$dom/xoar/ip" "$ip/24"
xenstore-write -R "$dom/xoar/spec" "$spec"
xenstore-chmod -r "$dom/xoar" n0 "r$d2"
xenstore-ls -p "$dom/xoar" | cut -c1-150
t=$(now)
wait_key "$d2" data/xoar/state running 60
timing[spec-to-running]=$(since "$t")
echo "running ${timing[spec-to-running]}s after the spec was written"

step "ping $ip"
ok=0
for i in $(seq 1 20); do
  if ping -c1 -W1 "$ip" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.5
done
[ $ok = 1 ] || fail "no answer from $ip"
ping -c3 "$ip"

step "wait for the role to exit (exit code 7 expected)"
wait_key "$d2" data/xoar/exit 7 90
echo "data/xoar/exit = $(xenstore-read "$dom/data/xoar/exit")"
sleep 1
xl list
state=$(xl list xoar-smoke-r | awk 'NR == 2 { print $5 }')
case $state in *s*) echo "domain is shut down (state $state), preserved for inspection" ;; *) fail "domain state is '$state', expected shut down" ;; esac

step "xl destroy"
t=$(now)
xl destroy xoar-smoke-r || fail "xl destroy failed"
timing[destroy]=$(since "$t")
xl list
xl list | grep -q '^xoar-smoke-r ' && fail "xoar-smoke-r still listed after xl destroy"
echo "destroyed in ${timing[destroy]}s"

step "restore the same save image again (xoar-smoke-r2), then destroy it"
t=$(now)
xl restore "$work/smoke-r2.cfg" "$work/t.save" || fail "second xl restore failed"
timing[restore2]=$(since "$t")
d3=$(xl domid xoar-smoke-r2)
wait_key "$d3" data/xoar/state waiting 60
t=$(now)
xl destroy xoar-smoke-r2 || fail "xl destroy xoar-smoke-r2 failed"
timing[destroy2]=$(since "$t")
xl list | grep -q '^xoar-smoke-r2 ' && fail "xoar-smoke-r2 still listed after xl destroy"
rm -f "$work/t.save"

step "guest console of xoar-smoke-r"
tr -d '\r' < /var/log/xen/console/guest-xoar-smoke-r.log | grep -E 'xoar-init|lab-smoke' || true

step "PASS"
for k in create boot-to-waiting save restore restore-to-waiting spec-to-running destroy restore2 destroy2; do
  printf '  %-20s %6ss\n' "$k" "${timing[$k]}"
done
echo "  dom0 free memory: $(free -m | awk '/Mem:/ { print $4 }') MiB; Xen free: $(xl info | awk '$1 == "free_memory" { print $3 }') MiB"

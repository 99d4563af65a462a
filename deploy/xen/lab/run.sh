#!/usr/bin/env bash
# Boots Xen 4.17 + dom0 under QEMU (TCG) and runs SCRIPT (a path inside the repo) in dom0.
#   usage: run.sh SCRIPT [LOG]      SCRIPT '-' gives an interactive dom0 shell instead
# The repo is shared into dom0 at /xoar (9p), the host's /usr read-only at /host/usr, and a
# scratch disk (sparse, ext4) is mounted at /var/lib/xoar. The serial console goes to stdout
# and LOG (default .xen-lab/logs/<timestamp>.log). Exits with SCRIPT's status; 124 if QEMU
# had to be killed after XEN_LAB_TIMEOUT seconds (default 1200), 125 if dom0 never reported.
# Env: XEN_LAB_TIMEOUT, XEN_LAB_MEM (QEMU MiB, 3072), XEN_LAB_DOM0_MEM (MiB, 512),
#      XEN_LAB_SCRATCH_GB (8), XEN_LAB_KEEP_SCRATCH=1 reuses and keeps .xen-lab/scratch.img,
#      XEN_LAB_ACCEL (tcg: multi-threaded),
#      XEN_LAB_CPU (max,-smap,-avx,...), XEN_LAB_SMP (2), XEN_LAB_XEN_ARGS / XEN_LAB_DOM0_ARGS (appended).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -ge 1 ] || lab_die "usage: run.sh SCRIPT [LOG]   (SCRIPT relative to the repo, e.g. deploy/xen/lab/smoke.sh; '-' for a shell)"
script=$1
if [ "$script" != - ]; then
  script=${script#./}
  case $script in /*) script=$(realpath --relative-to="$LAB_REPO" "$script") ;; esac
  [ -f "$LAB_REPO/$script" ] || lab_die "no such script in the repo: $script"
  case $script in ../*|*' '*) lab_die "SCRIPT must be inside the repo and contain no spaces: $script" ;; esac
fi
mkdir -p "$LAB_DIR/logs"
log=${2:-$LAB_DIR/logs/$(date +%Y%m%d-%H%M%S).log}
timeout_s=${XEN_LAB_TIMEOUT:-1200}
for f in xen vmlinuz dom0.cpio.gz; do
  [ -s "$LAB_OUT/$f" ] || lab_die "$LAB_OUT/$f is missing; run: bash deploy/xen/lab/build.sh"
done
command -v qemu-system-x86_64 >/dev/null || lab_die "qemu-system-x86_64 missing; run: bash deploy/xen/lab/deps.sh"

# Each run gets its own scratch disk (runs may overlap), removed afterwards; with
# XEN_LAB_KEEP_SCRATCH=1 the run uses (and keeps) .xen-lab/scratch.img, locked against overlap.
if [ "${XEN_LAB_KEEP_SCRATCH:-0}" = 1 ]; then
  scratch=$LAB_DIR/scratch.img
  exec 8>"$scratch.lock"
  flock -n 8 || lab_die "another run.sh uses $scratch (XEN_LAB_KEEP_SCRATCH=1); wait for it or unset XEN_LAB_KEEP_SCRATCH"
else
  scratch=$LAB_DIR/scratch-$$.img
  rm -f "$scratch"
fi
if [ ! -e "$scratch" ]; then
  truncate -s "${XEN_LAB_SCRATCH_GB:-8}G" "$scratch"
  mkfs.ext4 -q -F -L xoar-scratch "$scratch" || lab_die "mkfs.ext4 of the scratch disk $scratch failed"
fi

# max without SMAP (dom0 crashes on it) and without AVX.
default_cpu=max,-smap,-avx,-avx2,-fma,-f16c,-vaes,-vpclmulqdq
# spec-ctrl=eager-fpu: on this emulated CPU Xen would switch PV vCPUs' FPU state lazily (CR0.TS
# and #NM), which QEMU's TCG does not emulate faithfully: once a domU runs beside dom0, dom0's
# programs see another vCPU's SSE registers (xl fails to decompress a kernel, node segfaults).
dom0_mem=${XEN_LAB_DOM0_MEM:-512}
xen_args="console=com1 com1=115200,8n1 dom0_mem=${dom0_mem}M,max:${dom0_mem}M dom0_max_vcpus=1 spec-ctrl=eager-fpu loglvl=warning guest_loglvl=warning ${XEN_LAB_XEN_ARGS:-}"
dom0_args="console=hvc0 earlyprintk=xen rdinit=/init quiet loglevel=4 xoar.script=$script ${XEN_LAB_DOM0_ARGS:-}"
# Multi-threaded TCG: each emulated CPU on a host thread of its own. On one thread for both, dom0
# (supervisor, broker, xl) got too little beside a dozen domains: heartbeats and grants came late.
# The random crashes of dom0 programs once seen with it were the lazy FPU switching eager-fpu removes.
qemu=(qemu-system-x86_64 -accel "${XEN_LAB_ACCEL:-tcg}" -cpu "${XEN_LAB_CPU:-$default_cpu}" -m "${XEN_LAB_MEM:-3072}" -smp "${XEN_LAB_SMP:-2}"
  -nographic -no-reboot
  -kernel "$LAB_OUT/xen" -append "$xen_args"
  -initrd "$LAB_OUT/vmlinuz $dom0_args,$LAB_OUT/dom0.cpio.gz"
  -virtfs "local,path=$LAB_REPO,mount_tag=xoar,security_model=none,id=xoar"
  -virtfs "local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on,id=hostusr"
  -drive "file=$scratch,if=virtio,format=raw,cache=unsafe"
  -nic none)

if [ "$script" = - ]; then
  "${qemu[@]}"
  [ "${XEN_LAB_KEEP_SCRATCH:-0}" = 1 ] || rm -f "$scratch"
  exit 0
fi

lab_log "booting Xen + dom0 to run $script (log: $log, timeout ${timeout_s}s)"
start=$(date +%s)
: > "$log"
"${qemu[@]}" < /dev/null > >(tee -a "$log") 2>&1 &
qpid=$!
trap 'kill -KILL $qpid 2>/dev/null || true; [ "${XEN_LAB_KEEP_SCRATCH:-0}" = 1 ] || rm -f "$scratch"' EXIT
trap 'exit 130' INT TERM
status=
marker_at=
while kill -0 "$qpid" 2>/dev/null; do
  sleep 1
  now=$(date +%s)
  if [ -z "$marker_at" ] && grep -aq 'XEN-LAB-EXIT=[0-9]' "$log"; then marker_at=$now; fi
  # dom0 powered off: give Xen 20 s to stop the machine, then stop QEMU ourselves.
  if [ -n "$marker_at" ] && [ $((now - marker_at)) -gt 20 ]; then kill -KILL "$qpid" 2>/dev/null || true; break; fi
  if [ $((now - start)) -gt "$timeout_s" ]; then
    lab_log "timeout: QEMU still running after ${timeout_s}s; killed (raise XEN_LAB_TIMEOUT?)"
    kill -KILL "$qpid" 2>/dev/null || true
    wait "$qpid" 2>/dev/null || true
    exit 124
  fi
done
wait "$qpid" 2>/dev/null || true
sleep 0.2
status=$(grep -ao "XEN-LAB-EXIT=[0-9]*" "$log" | tail -1 | cut -d= -f2 || true)
if [ -z "$status" ]; then
  lab_log "QEMU stopped without dom0 reporting a status (crash or panic? see $log)"
  exit 125
fi
lab_log "$script exited with $status after $(( $(date +%s) - start ))s (log: $log)"
exit "$status"

#!/usr/bin/env bash
# The Xen lab's scenario, run in dom0 by run.sh (`npm run xen-lab`): the driver conformance
# suite on the xen driver, then a host on the xen driver (test/xen-lab/), each asserting on what
# xl and xenstored report. Their timings are printed as they go ([xen-lab] lines).
set -euo pipefail
cd /xoar
out=/xoar/.xen-lab/out
export XOAR_XEN_LAB=1 XOAR_XEN_KERNEL=$out/vmlinuz XOAR_XEN_RAMDISK=$out/service.cpio.gz XOAR_XEN_ROOT_DISK=$out/service-root.img
export XOAR_XEN_STATE_DIR=/var/lib/xoar/conformance
mkdir -p "$XOAR_XEN_STATE_DIR"
status=0
CI=1 node node_modules/vitest/vitest.mjs run --reporter=verbose ${XEN_LAB_TESTS:-shared/drivers/xen/xen-conformance.test.ts test/xen-lab/} || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- xl list"; xl list || true
  for f in /var/log/xen/console/guest-*.log; do
    [ -e "$f" ] || continue
    echo "--- $f (last 30 lines)"; tail -n 30 "$f" | tr -d '\r' || true
  done
fi
echo "=== xen-lab: the driver bench (xl next to the process driver)"
XOAR_BENCH_ONLY=drivers node dist/bench/run.js || status=$?
exit "$status"

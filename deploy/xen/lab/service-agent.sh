#!/bin/sh
# /sbin/xoar-init on the service VM root disk (busybox sh, PID 1): steps 1-6 of the boot
# protocol in deploy/xen/README-image.md. Relative XenStore paths are the domain's own
# /local/domain/<domid>/...
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

say() { echo "xoar-init: $*" >&2; }
stop() {
  sync
  poweroff -f
  sleep 60
}
die() {
  say "$*"
  xenstore-write data/xoar/state "error" >/dev/null 2>&1
  xenstore-write data/xoar/error "$*" >/dev/null 2>&1
  stop
}

# 1. file systems (proc, sys and dev were moved here by the initramfs), xenfs
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts /run/xoar /run/xen /run/xenstored /var/log/xen /var/lib/xen /var/lock
mount -t devpts devpts /dev/pts
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
grep -q ' /proc/xen ' /proc/mounts || mount -t xenfs xenfs /proc/xen || die "cannot mount xenfs on /proc/xen"
ip link set lo up

# 2. announce
xenstore-write data/xoar/state waiting || die "xenstore-write data/xoar/state failed (xenbus not reachable)"
say "waiting for xoar/spec"

# 3. poll for the spec; re-announce after a restore (a restored domain has a new domid and
#    an empty data/ directory)
n=0
while ! xenstore-read -R xoar/spec > /run/xoar/spec.raw 2>/dev/null; do
  n=$((n + 1))
  if [ $((n % 5)) = 0 ] && ! xenstore-read data/xoar/state >/dev/null 2>&1; then
    xenstore-write data/xoar/state waiting >/dev/null 2>&1 && say "restored: waiting again"
  fi
  sleep 0.2
done
case $(head -c 16 /run/xoar/spec.raw) in
  parts:*)
    parts=$(sed 's/^parts://' /run/xoar/spec.raw)
    : > /run/xoar/spec.raw
    i=0
    while [ "$i" -lt "$parts" ]; do
      xenstore-read -R "xoar/spec-part/$i" | tr -d '\n' >> /run/xoar/spec.raw || die "cannot read xoar/spec-part/$i"
      i=$((i + 1))
    done ;;
esac
(umask 077; xenstore-read -R xoar/seed > /run/xoar/seed.raw 2>/dev/null || : > /run/xoar/seed.raw)
ipaddr=$(xenstore-read xoar/ip 2>/dev/null || true)
gateway=$(xenstore-read xoar/gateway 2>/dev/null || echo 10.88.0.1)
driver_domain=$(xenstore-read xoar/driver-domain 2>/dev/null || echo 0)

# The process driver's stdin: JSON.stringify(spec) with the seed added.
info=$(cd /run/xoar && umask 077 && node -e '
  const fs = require("fs");
  const spec = JSON.parse(fs.readFileSync("spec.raw", "utf8"));
  const seed = fs.readFileSync("seed.raw", "utf8").trim();
  if (seed !== "") spec.seed = seed;
  fs.writeFileSync("stdin.json", JSON.stringify(spec), { mode: 0o600 });
  const heap = typeof spec.memoryLimitBytes === "number" ? Math.floor(spec.memoryLimitBytes / 2 ** 20) : "";
  console.log([spec.role, (spec.writePaths || [])[0] || "", heap].join("\t"));
') || die "xoar/spec is not valid JSON"
rm -f /run/xoar/spec.raw /run/xoar/seed.raw
role=$(echo "$info" | cut -f1); wpath=$(echo "$info" | cut -f2); heap=$(echo "$info" | cut -f3)
case $role in
  ''|*[!a-z0-9_-]*) die "spec.role '$role' is not a role name" ;;
esac

# 4. network and data disk
if [ -n "$ipaddr" ]; then
  i=0
  while [ ! -e /sys/class/net/eth0 ]; do
    i=$((i + 1)); [ $i -gt 50 ] && die "xoar/ip is set but there is no eth0 (no vif in the xl config?)"
    sleep 0.1
  done
  ip addr add "$ipaddr" dev eth0 && ip link set eth0 up || die "cannot configure eth0 with $ipaddr"
  # The address may have been another domain's a moment ago: dom0's neighbour entry must move here.
  arping -q -U -c 1 -w 1 -I eth0 "${ipaddr%/*}" || say "gratuitous ARP for ${ipaddr%/*} failed"
  ip route add default via "$gateway" 2>/dev/null || say "no default route via $gateway"
  say "eth0 $ipaddr"
fi
if [ -n "$wpath" ]; then
  mkdir -p "$wpath" || die "cannot create $wpath"
  if [ -b /dev/xvdb ]; then
    mount -t ext4 /dev/xvdb "$wpath" || die "cannot mount xvdb (ext4) on $wpath"
    say "xvdb on $wpath"
  fi
elif [ -b /dev/xvdb ]; then
  say "xvdb present but the spec has no writePaths: not mounted"
fi

# 4b. driver domain: back-end drivers and xl devd
if [ "$driver_domain" = 1 ]; then
  while read -r m; do
    insmod "$m" 2>/dev/null || grep -q "^$(basename "$m" .ko | tr - _) " /proc/modules || say "insmod $m failed"
  done < /etc/xen-lab/modules.driver
  # The vifs of a network driver domain's guests join this bridge (vif-bridge, run by xl devd).
  if [ "$role" = network ]; then
    brctl addbr xoarguests && ip link set xoarguests up || say "cannot make the guest bridge xoarguests"
  fi
  xl devd || say "xl devd failed to start"
fi

# 5. run the service
xenstore-write data/xoar/state running
say "starting role $role"
set -- --no-warnings
[ -n "$heap" ] && set -- "$@" "--max-old-space-size=$heap"
(
  cd "${wpath:-/}" || exit 126
  rm -f /run/xoar/stdin.json
  exec node "$@" "/opt/xoar/dist/services/$role/main.js"
) < /run/xoar/stdin.json
code=$?

# 6. report and shut down
say "role $role exited with $code"
xenstore-write data/xoar/exit "$code"
xenstore-write data/xoar/state exited
stop

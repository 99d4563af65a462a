#!/bin/sh
# /init of the lab's dom0 (busybox sh). Brings up the Xen toolstack, mounts the repo (9p,
# /xoar), the host's /usr (9p, read-only, /host/usr) and the scratch disk (/var/lib/xoar),
# runs the script named by xoar.script= on the kernel command line, prints
# "XEN-LAB-EXIT=<status>" and powers off. xoar.script=- gives a shell instead.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-linux}

fail() { echo "dom0-init: $*" >&2; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=755 tmpfs /run
ln -sfn /run /var/run
mkdir -p /var/lock /var/log/xen/console /var/lib/xen /run/xen /run/xenstored /var/lib/xoar /xoar /host/usr

while read -r m; do
  insmod "$m" 2>/dev/null || grep -q "^$(basename "$m" .ko | tr - _) " /proc/modules || fail "insmod $m failed"
done < /etc/xen-lab/modules

mount -t xenfs xenfs /proc/xen || fail "mount xenfs failed"

script=; timeout_s=
for a in $(cat /proc/cmdline); do
  case $a in
    xoar.script=*) script=${a#xoar.script=} ;;
  esac
done

if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=mmap xoar /xoar; then
  fail "cannot mount the repo (9p tag xoar); was QEMU started by run.sh?"
fi
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostusr /host/usr \
  || fail "cannot mount the host's /usr (9p tag hostusr): node and nats-server will be missing"
if [ -b /dev/vda ]; then
  mount -t ext4 /dev/vda /var/lib/xoar || fail "cannot mount the scratch disk /dev/vda on /var/lib/xoar"
else
  fail "no scratch disk /dev/vda: /var/lib/xoar lives in RAM"
fi

ip link set lo up
/usr/lib/xen-4.17/bin/xenstored --pid-file /run/xenstored.pid || fail "xenstored failed"
i=0
while ! xenstore-read /local >/dev/null 2>&1 && ! xenstore-ls / >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 50 ] && { fail "xenstored does not answer"; break; }
  sleep 0.1
done
/usr/lib/xen-4.17/bin/xen-init-dom0 || fail "xen-init-dom0 failed"
/usr/lib/xen-4.17/bin/xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console \
  || fail "xenconsoled failed"
# dom0 runs the supervisor and the broker: with a dozen domains sharing two emulated CPUs, its
# fair share starved them (the broker took seconds to read a message; heartbeats came late).
case $(xl info | awk '$1 == "xen_scheduler" { print $3 }') in
  credit2) xl sched-credit2 -d Domain-0 -w 1024 ;;
  credit) xl sched-credit -d Domain-0 -w 1024 ;;
  *) false ;;
esac || echo "dom0-init: could not raise dom0's scheduler weight; it competes with the domains as an equal"

brctl addbr xenbr0 && echo 0 > /sys/class/net/xenbr0/bridge/forward_delay && ip addr add 10.88.0.1/24 dev xenbr0 && ip link set xenbr0 up \
  || fail "bridge xenbr0 setup failed"

echo "dom0-init: ready ($(cut -d' ' -f1 /proc/uptime)s since dom0 boot)"
cd /xoar 2>/dev/null || cd /
if [ "$script" = - ] || [ -z "$script" ]; then
  echo "dom0-init: no xoar.script=; starting a shell on the console (exit or poweroff -f to stop)"
  setsid cttyhack sh -l
  status=$?
else
  echo "dom0-init: running /xoar/$script"
  bash "/xoar/$script"
  status=$?
fi
echo "XEN-LAB-EXIT=$status"
sync
umount /var/lib/xoar 2>/dev/null
poweroff -f

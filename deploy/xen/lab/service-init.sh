#!/bin/sh
# /init of the service VM initramfs (busybox sh): loads the front-end drivers, mounts the
# read-only root disk xvda under a tmpfs overlay and hands over to /sbin/xoar-init on it.
# See deploy/xen/README-image.md for the boot protocol.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

halt_now() {
  echo "xoar-initramfs: $*" >&2
  echo "xoar-initramfs: powering off" >&2
  poweroff -f
  sleep 60
}

while read -r m; do
  insmod "$m" 2>/dev/null || grep -q "^$(basename "$m" .ko | tr - _) " /proc/modules \
    || echo "xoar-initramfs: insmod $m failed" >&2
done < /etc/xen-lab/modules

i=0
while [ ! -b /dev/xvda ]; do
  i=$((i + 1))
  [ $i -gt 100 ] && halt_now "no root disk xvda after 10 s: the xl config must attach service-root.img as 'vdev=xvda,access=ro'"
  sleep 0.1
done

mkdir -p /lower /rw /newroot
mount -t ext4 -o ro /dev/xvda /lower || halt_now "cannot mount xvda (ext4, read-only)"
mount -t tmpfs -o mode=755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot \
  || halt_now "cannot mount the overlay root (module overlay loaded?)"
[ -x /newroot/sbin/xoar-init ] || halt_now "xvda has no /sbin/xoar-init: is it service-root.img?"
for d in proc sys dev; do mount --move /$d /newroot/$d; done
exec switch_root /newroot /sbin/xoar-init

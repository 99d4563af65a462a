#!/usr/bin/env bash
# Installs the host packages the Xen lab needs (only those missing). Safe to run again.
#   qemu-system-x86  boots Xen + dom0 under TCG
#   busybox-static   the shell and tools of dom0 and of the service VMs
#   cpio             packs the initramfs images
#   e2fsprogs        mkfs.ext4 -d for the service root disk and the scratch disk
#   xz-utils         decompresses the kernel's .ko.xz modules
# Everything Xen (hypervisor, kernel, xl, libraries) is fetched by build.sh with
# apt-get download into .xen-lab/: nothing Xen is installed on the host.
set -euo pipefail

declare -A want=(
  [qemu-system-x86]=/usr/bin/qemu-system-x86_64
  [busybox-static]=/bin/busybox
  [cpio]=/usr/bin/cpio
  [e2fsprogs]=/sbin/mkfs.ext4
  [xz-utils]=/usr/bin/xz
)
need=()
for pkg in "${!want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done

if [ ${#need[@]} -eq 0 ]; then
  echo "xen-lab deps: nothing to install"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "xen-lab deps: missing ${need[*]}; as root run: apt-get update && apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "xen-lab deps: installing ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
for pkg in "${need[@]}"; do
  [ -e "${want[$pkg]}" ] || { echo "xen-lab deps: $pkg installed but ${want[$pkg]} is missing" >&2; exit 1; }
done
echo "xen-lab deps: done"

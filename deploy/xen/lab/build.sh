#!/usr/bin/env bash
# Builds the Xen lab under <repo>/.xen-lab: downloads Debian's Xen 4.17, kernel and Xen
# userland debs (apt-get download, never installed), and produces
#   out/xen             the hypervisor (multiboot ELF for QEMU -kernel)
#   out/vmlinuz         Debian's kernel, for dom0 and the service VMs
#   out/dom0.cpio.gz    dom0's initramfs
#   out/service.cpio.gz, out/service-root.img   the service VM image (build-service-image.sh)
# Cached: a step whose output exists is skipped. XEN_LAB_REBUILD=1 redoes the images.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null && [ -x /bin/busybox ] \
  || lab_die "host tools missing; run: bash deploy/xen/lab/deps.sh"
mkdir -p "$LAB_DEBS" "$LAB_OUT" "$LAB_DIR/logs"
exec 9>"$LAB_DIR/.build.lock"
flock -n 9 || { lab_log "another build.sh is running; waiting for it"; flock 9; }

# --- 1. resolve and download the debs ---------------------------------------------------
if [ ! -e "$LAB_DEBS/.complete" ]; then
  apt-cache show "xen-hypervisor-$LAB_XEN_VER-amd64" >/dev/null 2>&1 \
    || { [ "$(id -u)" = 0 ] && apt-get update -qq; } \
    || lab_die "apt does not know xen-hypervisor-$LAB_XEN_VER-amd64; as root run: apt-get update"
  kpkg=$(lab_kernel_pkg)
  pkgs=("xen-hypervisor-$LAB_XEN_VER-amd64" "$kpkg" "xen-utils-$LAB_XEN_VER" xen-utils-common xenstore-utils)
  # Close over the Xen libraries (libxen*, libyajl) the Xen packages depend on.
  todo=("xen-utils-$LAB_XEN_VER" xenstore-utils xen-utils-common)
  declare -A have=()
  while [ ${#todo[@]} -gt 0 ]; do
    p=${todo[0]}; todo=("${todo[@]:1}")
    for d in $(apt-cache depends "$p" 2>/dev/null | awk '$1 == "Depends:" { print $2 }' | grep -E '^lib(xen|yajl)' || true); do
      [ -n "${have[$d]:-}" ] && continue
      have[$d]=1; pkgs+=("$d"); todo+=("$d")
    done
  done
  lab_log "downloading ${#pkgs[@]} debs: ${pkgs[*]}"
  (cd "$LAB_DEBS" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "${pkgs[@]}") \
    || lab_die "apt-get download failed (network? stale lists?); as root run: apt-get update, then rerun"
  printf '%s\n' "${pkgs[@]}" > "$LAB_DEBS/.complete"
fi

# --- 2. extract --------------------------------------------------------------------------
if [ ! -e "$LAB_XROOT/.complete" ]; then
  rm -rf "$LAB_XROOT"; mkdir -p "$LAB_XROOT"
  for d in "$LAB_DEBS"/*.deb; do
    dpkg -x "$d" "$LAB_XROOT" || lab_die "dpkg -x $d failed; delete $LAB_DEBS and rerun"
  done
  touch "$LAB_XROOT/.complete"
fi
kver=$(lab_kver)

# --- 3. hypervisor and kernel ------------------------------------------------------------
if [ ! -s "$LAB_OUT/xen" ]; then
  gunzip -c "$LAB_XROOT/boot/xen-$LAB_XEN_VER-amd64.gz" > "$LAB_OUT/xen.tmp" && mv "$LAB_OUT/xen.tmp" "$LAB_OUT/xen"
fi
[ -s "$LAB_OUT/vmlinuz" ] || cp "$LAB_XROOT/boot/vmlinuz-$kver" "$LAB_OUT/vmlinuz"

# --- 4. dom0 initramfs -------------------------------------------------------------------
dom0_inputs="$here/dom0-init.sh $here/lib.sh $here/build.sh $LAB_REPO/package-lock.json"
if [ "${XEN_LAB_REBUILD:-0}" = 1 ] || [ ! -s "$LAB_OUT/dom0.cpio.gz" ] \
   || [ -n "$(find $dom0_inputs -newer "$LAB_OUT/dom0.cpio.gz" 2>/dev/null)" ]; then
  lab_log "building dom0.cpio.gz"
  stage=$LAB_DIR/stage/dom0
  rm -rf "$stage"
  lab_stage_skeleton "$stage"
  lab_xen_userland "$stage"
  lab_install_modules "$stage" etc/xen-lab/modules \
    xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback bridge loop \
    virtio_pci virtio_blk 9pnet_virtio 9p ext4 crc32c_generic tun
  # node and nats-server run from the host's /usr (shared read-only over 9p at /host/usr);
  # their libraries are copied in so the loader finds them.
  lab_host_bin "$stage" /usr/sbin/mke2fs
  ln -sf mke2fs "$stage/usr/sbin/mkfs.ext4"; cp /etc/mke2fs.conf "$stage/etc/"
  ln -s /host/usr/bin/node "$stage/usr/bin/node"
  ln -s /host/usr/sbin/nats-server "$stage/usr/sbin/nats-server"
  extra=(/usr/bin/node)
  [ -x /usr/sbin/nats-server ] && extra+=(/usr/sbin/nats-server)
  # Native addons the test runner loads from the repo's node_modules (vitest's bundler, rolldown).
  while IFS= read -r addon; do extra+=("$addon"); done < <(find "$LAB_REPO/node_modules" -name '*.node' -path '*linux-x64-gnu*' 2>/dev/null)
  lab_resolve_libs "$stage" "${extra[@]}"
  # Drop what dom0 never runs (python bindings, HVM firmware) to keep the cpio small.
  rm -f "$stage"/usr/lib/xen-$LAB_XEN_VER/bin/{pygrub,xenpvnetboot,xen-kdd,test-*}
  cp "$here/dom0-init.sh" "$stage/init"; chmod 755 "$stage/init"
  (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) > "$LAB_OUT/dom0.cpio.gz.tmp"
  mv "$LAB_OUT/dom0.cpio.gz.tmp" "$LAB_OUT/dom0.cpio.gz"
fi

# --- 5. service VM image -----------------------------------------------------------------
bash "$here/build-service-image.sh"

lab_log "ready: $(cd "$LAB_OUT" && ls -s --block-size=K xen vmlinuz dom0.cpio.gz service.cpio.gz service-root.img 2>/dev/null | tr '\n' ' ')"

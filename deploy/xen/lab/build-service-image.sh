#!/usr/bin/env bash
# Builds the xoar service VM image (see deploy/xen/README-image.md):
#   .xen-lab/out/service.cpio.gz    initramfs: busybox, front-end modules, /init
#   .xen-lab/out/service-root.img   read-only ext4 root: busybox, node, xenstore-utils, xl and
#                                   /etc/xen/scripts (driver domains; xoar-guest-disk is
#                                   xoar-guest-disk.sh), /opt/xoar (dist,
#                                   production node_modules, package.json), /sbin/xoar-init
# Rebuilt only when its inputs (dist/, package-lock.json, these scripts, node) change.
# Called by build.sh after the debs are extracted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ -e "$LAB_XROOT/.complete" ] || lab_die "the debs are not extracted yet; run deploy/xen/lab/build.sh"
cd "$LAB_REPO"

# The project must be built: dist/ is what the service VMs run.
if [ ! -d dist/services ]; then
  lab_log "dist/ is missing: building the project (npm run build)"
  [ -d node_modules ] || npm ci --no-audit --no-fund || lab_die "npm ci failed; run it by hand in $LAB_REPO and retry"
  npm run build --silent || lab_die "npm run build failed; fix the build, then rerun"
fi

# Throwaway role for the lab's smoke test, kept out of services/: prints what it got, holds
# for spec.config.holdSeconds (default 20 s), exits with spec.config.exitCode (default 7).
smoke_role=$LAB_DIR/smoke-role/main.js
mkdir -p "$(dirname "$smoke_role")"
cat > "$smoke_role.tmp" <<'JS'
let input = '';
process.stdin.setEncoding('utf8').on('data', (d) => (input += d)).on('end', () => {
  const spec = JSON.parse(input);
  const cfg = spec.config ?? {};
  process.stderr.write(`lab-smoke: role=${spec.role} id=${spec.id} seed=${spec.seed ? spec.seed.length + ' chars' : 'none'} cwd=${process.cwd()}\n`);
  setTimeout(() => process.exit(cfg.exitCode ?? 7), (cfg.holdSeconds ?? 20) * 1000);
});
JS
cmp -s "$smoke_role.tmp" "$smoke_role" 2>/dev/null && rm "$smoke_role.tmp" || mv "$smoke_role.tmp" "$smoke_role"

inputs_hash=$( { find dist -type f -printf '%P %s %T@\n' | LC_ALL=C sort; sha256sum package.json package-lock.json \
  "$here/service-init.sh" "$here/service-agent.sh" "$here/xoar-guest-disk.sh" "$here/build-service-image.sh" "$here/lib.sh" "$smoke_role";
  stat -c '%s %Y' /usr/bin/node; } | sha256sum | cut -c1-16)
stamp=$LAB_OUT/service-image.stamp
if [ "${XEN_LAB_REBUILD:-0}" != 1 ] && [ -s "$LAB_OUT/service.cpio.gz" ] && [ -s "$LAB_OUT/service-root.img" ] \
   && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs_hash" ]; then
  lab_log "service image up to date"
  exit 0
fi
lab_log "building the service image"

# --- initramfs ---------------------------------------------------------------------------
stage=$LAB_DIR/stage/service-initramfs
rm -rf "$stage"
lab_stage_skeleton "$stage"
lab_install_modules "$stage" etc/xen-lab/modules \
  xen-privcmd xenfs xen-blkfront xen-netfront ext4 crc32c_generic overlay
cp "$here/service-init.sh" "$stage/init"; chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) > "$LAB_OUT/service.cpio.gz.tmp"
mv "$LAB_OUT/service.cpio.gz.tmp" "$LAB_OUT/service.cpio.gz"

# --- read-only root disk -----------------------------------------------------------------
root=$LAB_DIR/stage/service-root
rm -rf "$root"
lab_stage_skeleton "$root"
lab_xen_userland "$root"
rm -f "$root"/usr/lib/xen-$LAB_XEN_VER/bin/{pygrub,xenpvnetboot,xen-kdd,test-*,oxenstored}
lab_install_modules "$root" etc/xen-lab/modules.driver \
  xen-evtchn xen-gntdev xen-gntalloc xen-blkback xen-netback bridge loop
lab_host_bin "$root" /usr/bin/node
cp "$here/service-agent.sh" "$root/sbin/xoar-init"; chmod 755 "$root/sbin/xoar-init"
cp "$here/xoar-guest-disk.sh" "$root/etc/xen/scripts/xoar-guest-disk"; chmod 755 "$root/etc/xen/scripts/xoar-guest-disk"

app=$root/opt/xoar
mkdir -p "$app/dist"
cp package.json package-lock.json "$app/"
cp -a dist/. "$app/dist/"
mkdir -p "$app/dist/services/_lab-smoke"
cp "$smoke_role" "$app/dist/services/_lab-smoke/main.js"
# Production dependencies only, cached by package-lock.json.
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
prod=$LAB_DIR/prod-modules/$lock_hash
if [ ! -d "$prod/node_modules" ]; then
  lab_log "installing production node_modules (npm ci --omit=dev)"
  rm -rf "$LAB_DIR/prod-modules"; mkdir -p "$prod"
  cp package.json package-lock.json "$prod/"
  (cd "$prod" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) \
    || lab_die "npm ci --omit=dev failed in $prod (npm registry reachable?)"
fi
cp -a "$prod/node_modules" "$app/node_modules"
lab_resolve_libs "$root"

mb=$(du -sm "$root" | cut -f1)
size=$(( mb + mb / 5 + 32 ))
rm -f "$LAB_OUT/service-root.img.tmp"
truncate -s "${size}M" "$LAB_OUT/service-root.img.tmp"
mkfs.ext4 -q -F -L xoar-root -O ^has_journal -E root_owner=0:0 -d "$root" "$LAB_OUT/service-root.img.tmp" \
  || lab_die "mkfs.ext4 -d failed (e2fsprogs >= 1.43 needed)"
mv "$LAB_OUT/service-root.img.tmp" "$LAB_OUT/service-root.img"
echo "$inputs_hash" > "$stamp"
lab_log "service image: initramfs $(du -k "$LAB_OUT/service.cpio.gz" | cut -f1) KiB, root ${size} MiB (${mb} MiB used)"

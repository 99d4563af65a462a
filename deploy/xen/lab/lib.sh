# Shared helpers of the Xen lab scripts (sourced, not run).
# shellcheck shell=bash

lab_die() { echo "xen-lab: $*" >&2; exit 1; }
lab_log() { echo "xen-lab: $*" >&2; }

# Paths. The repo is three levels up from deploy/xen/lab.
LAB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
LAB_DIR=$LAB_REPO/.xen-lab
LAB_DEBS=$LAB_DIR/debs
LAB_XROOT=$LAB_DIR/xroot      # every downloaded deb, dpkg -x'ed together
LAB_OUT=$LAB_DIR/out
LAB_XEN_VER=4.17

# The versioned kernel package linux-image-amd64 points to (e.g. linux-image-6.1.0-57-amd64).
lab_kernel_pkg() {
  local p
  p=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
  [ -n "$p" ] || lab_die "cannot resolve the kernel package of linux-image-amd64; run: apt-get update"
  echo "$p"
}

# Kernel version directory under $LAB_XROOT/lib/modules.
lab_kver() {
  local d
  d=$(ls -1 "$LAB_XROOT/lib/modules" 2>/dev/null | head -1)
  [ -n "$d" ] || lab_die "no kernel modules under $LAB_XROOT/lib/modules; run deploy/xen/lab/build.sh"
  echo "$d"
}

# lab_modules_ordered NAME...: the .ko paths (relative to lib/modules/<kver>) of NAMEs and
# their dependencies, dependencies first. Reads the modinfo "depends=" of each .ko.
declare -A _lab_modpath=() _lab_seen=()
_lab_modindex() {
  local base=$1 f n
  [ ${#_lab_modpath[@]} -gt 0 ] && return 0
  while IFS= read -r f; do
    n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
    _lab_modpath[$n]=$f
  done < <(cd "$base" && find kernel -name '*.ko*')
}
_lab_modvisit() {
  local base=$1 name=${2//-/_} f deps d
  [ -n "${_lab_seen[$name]:-}" ] && return 0
  _lab_seen[$name]=1
  f=${_lab_modpath[$name]:-}
  if [ -z "$f" ]; then
    grep -q "/${2}.ko\$\|/${name}.ko\$" "$base/modules.builtin" 2>/dev/null && return 0
    lab_die "kernel module $2 not found in $base (neither a .ko nor built in)"
  fi
  case $f in
    *.ko) deps=$(tr '\0' '\n' < "$base/$f" | grep -a '^depends=' | head -1 || true) ;;
    *.ko.xz) deps=$(xz -dc "$base/$f" | tr '\0' '\n' | grep -a '^depends=' | head -1 || true) ;;
    *.ko.zst) deps=$(zstd -dc "$base/$f" | tr '\0' '\n' | grep -a '^depends=' | head -1 || true) ;;
    *) lab_die "unknown module format: $f" ;;
  esac
  deps=${deps#depends=}
  for d in ${deps//,/ }; do _lab_modvisit "$base" "$d"; done
  echo "${f%.xz}" | sed 's/\.zst$//'
}
lab_modules_ordered() {
  local base=$LAB_XROOT/lib/modules/$(lab_kver) m
  _lab_modindex "$base"
  _lab_seen=()
  for m in "$@"; do _lab_modvisit "$base" "$m"; done
}

# lab_install_modules STAGE LISTFILE NAME...: copies the modules (decompressed) into STAGE,
# writes their load order to STAGE/LISTFILE, and runs busybox depmod so modprobe works too.
lab_install_modules() {
  local stage=$1 list=$2; shift 2
  local kver base f src
  kver=$(lab_kver); base=$LAB_XROOT/lib/modules/$kver
  mkdir -p "$stage/lib/modules/$kver" "$(dirname "$stage/$list")"
  : > "$stage/$list"
  while IFS= read -r f; do
    mkdir -p "$stage/lib/modules/$kver/$(dirname "$f")"
    if [ -e "$base/$f" ]; then src=$base/$f; cp "$src" "$stage/lib/modules/$kver/$f"
    elif [ -e "$base/$f.xz" ]; then xz -dc "$base/$f.xz" > "$stage/lib/modules/$kver/$f"
    elif [ -e "$base/$f.zst" ]; then zstd -qdc "$base/$f.zst" > "$stage/lib/modules/$kver/$f"
    else lab_die "module file $f vanished from $base"; fi
    echo "/lib/modules/$kver/$f" >> "$stage/$list"
  done < <(lab_modules_ordered "$@")
  cp "$base/modules.builtin" "$base/modules.order" "$stage/lib/modules/$kver/" 2>/dev/null || true
  busybox depmod -b "$stage" "$kver" 2>/dev/null || lab_log "warning: busybox depmod failed; modprobe will not work in the image (insmod order list still does)"
}

# lab_stage_skeleton STAGE: merged-/usr layout and busybox with all its applets.
lab_stage_skeleton() {
  local stage=$1 a
  mkdir -p "$stage"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,etc,proc,sys,dev,run,tmp,root,mnt,var}
  ln -sfn usr/bin "$stage/bin"; ln -sfn usr/sbin "$stage/sbin"
  ln -sfn usr/lib "$stage/lib"; ln -sfn usr/lib64 "$stage/lib64"
  chmod 1777 "$stage/tmp"
  cp /bin/busybox "$stage/usr/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ -e "$stage/usr/bin/$a" ] || ln -s busybox "$stage/usr/bin/$a"
  done
  cat > "$stage/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
P
  echo 'root:x:0:' > "$stage/etc/group"
  printf '127.0.0.1 localhost\n' > "$stage/etc/hosts"
}

# lab_host_bin STAGE PATH...: copies host binaries into STAGE at the same path (replacing a
# busybox applet link of the same name).
lab_host_bin() {
  local stage=$1 p; shift
  for p in "$@"; do
    [ -x "$p" ] || lab_die "host binary $p is missing; run deploy/xen/lab/deps.sh (or apt-get install the package that has it)"
    mkdir -p "$stage$(dirname "$p")"
    rm -f "$stage$p"
    cp -L "$p" "$stage$p"
  done
}

# lab_resolve_libs STAGE [EXTRA_ELF...]: copies from the host every shared library that the ELF
# files in STAGE (and the EXTRA host ELF files, which are not copied) need and STAGE lacks.
lab_resolve_libs() {
  local stage=$1 f line lib name missing=0 changed=1 libpath; shift
  libpath=$stage/usr/lib/x86_64-linux-gnu:$stage/usr/lib/xen-$LAB_XEN_VER/lib/x86_64-linux-gnu
  cp -L /lib64/ld-linux-x86-64.so.2 "$stage/usr/lib64/ld-linux-x86-64.so.2"
  ln -sf ../lib64/ld-linux-x86-64.so.2 "$stage/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
  while [ $changed = 1 ]; do
    changed=0
    while IFS= read -r f; do
      [ "$(head -c4 "$f" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] || continue
      while IFS= read -r line; do
        case $line in
          *'=> not found'*) name=${line%% =>*}; name=${name//[[:space:]]/}
            if [ -e "/usr/lib/x86_64-linux-gnu/$name" ]; then
              cp -L "/usr/lib/x86_64-linux-gnu/$name" "$stage/usr/lib/x86_64-linux-gnu/$name"; changed=1
            else echo "xen-lab: $f needs $name, found neither in the debs nor on the host" >&2; missing=1; fi ;;
          *'=> /'*) lib=${line#*=> }; lib=${lib%% (*}
            case $lib in "$stage"/*) continue ;; esac
            name=${lib##*/}
            if [ ! -e "$stage/usr/lib/x86_64-linux-gnu/$name" ]; then
              cp -L "$lib" "$stage/usr/lib/x86_64-linux-gnu/$name"; changed=1
            fi ;;
        esac
      done < <(LD_LIBRARY_PATH=$libpath ldd "$f" 2>/dev/null || true)
    done < <(find "$stage" -type f \( -perm -u+x -o -name '*.so*' \) -not -path '*/lib/modules/*'; for f in "$@"; do echo "$f"; done)
  done
  [ $missing = 0 ] || lab_die "shared libraries are missing (see above); install the host package that ships them"
  # pthread_cancel/exit dlopen libgcc_s: xl aborts without it although ldd does not list it.
  cp -L /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$stage/usr/lib/x86_64-linux-gnu/" \
    || lab_die "host lacks /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 (package libgcc-s1)"
}

# lab_xen_userland STAGE: xl, xenstored, xenconsoled & co, the Xen libraries, xenstore-utils,
# /etc/xen (scripts, xl.conf) from the extracted debs.
lab_xen_userland() {
  local stage=$1 b x=$LAB_XROOT
  mkdir -p "$stage/usr/lib/xen-$LAB_XEN_VER/bin"
  cp -a "$x/usr/lib/xen-$LAB_XEN_VER/bin/." "$stage/usr/lib/xen-$LAB_XEN_VER/bin/"
  cp -a "$x/usr/lib/x86_64-linux-gnu/." "$stage/usr/lib/x86_64-linux-gnu/"
  for b in "$x"/usr/bin/xenstore*; do cp -a "$b" "$stage/usr/bin/"; done
  mkdir -p "$stage/etc/xen"
  cp -a "$x/etc/xen/." "$stage/etc/xen/"
  for b in xl xenstored xenconsoled xen-init-dom0 xenstore-control xentop; do
    ln -sfn "../lib/xen-$LAB_XEN_VER/bin/$b" "$stage/usr/sbin/$b"
  done
  # Tools (and scripts) the block and vif hotplug scripts call with GNU/util-linux options.
  lab_host_bin "$stage" /usr/bin/bash /usr/bin/stat /usr/bin/flock /usr/sbin/losetup
}

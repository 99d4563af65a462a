#!/usr/bin/env bash
# Unpacks Debian's C xenstored 4.17 and the Xen libraries it links against into
# .cache/c-xenstored/root, for the differential tests and the XenStore bench. The packages are
# downloaded and extracted, never installed: nothing outside the project changes. Safe to run again.
set -euo pipefail

cd "$(dirname "$0")/.."
cache=.cache/c-xenstored
root=$cache/root
xenstored=$root/usr/lib/xen-4.17/bin/xenstored
packages=(xen-utils-4.17 libxenmisc4.17 libxenevtchn1 libxengnttab1 libxentoolcore1 libxentoollog1
          libxencall1 libxenforeignmemory1 libxendevicemodel1)

if [ -x "$xenstored" ]; then
  echo "fetch-c-xenstored: already in $root"
  exit 0
fi

if ! apt-cache show "${packages[0]}" >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fetch-c-xenstored: apt does not know ${packages[0]}; as root run: apt-get update" >&2
    exit 1
  fi
  apt-get update -qq
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "${packages[@]}"); then
  echo "fetch-c-xenstored: apt-get download ${packages[*]} failed" >&2
  exit 1
fi
mkdir "$work/root"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
if [ ! -x "$work/root/usr/lib/xen-4.17/bin/xenstored" ]; then
  echo "fetch-c-xenstored: the packages hold no usr/lib/xen-4.17/bin/xenstored" >&2
  exit 1
fi
rm -rf "$root"
mv "$work/root" "$root"
echo "fetch-c-xenstored: unpacked xenstored into $root"

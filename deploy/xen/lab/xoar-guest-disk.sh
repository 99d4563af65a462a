#!/bin/bash
# /etc/xen/scripts/xoar-guest-disk in the service image: the hotplug script of a guest's disk,
# run by `xl devd` in the block driver domain that serves it (the xen driver's disk spec says
# script=xoar-guest-disk). The image is the one xoar's block service keeps for the guest,
# <guest>.<vdev>.img in its directory. If the service has not made it yet, it is made here as
# the service would: sparse, of the size dom0 wrote under this domain's
# xoar/guest-disks/<guest>/<vdev>. Then Xen's block script attaches it (loop device, blkback).
dir=$(dirname "$0")
. "$dir/block-common.sh"

if [ "$command" = add ]; then
  image=$(xenstore_read "$XENBUS_PATH/params")
  name=$(basename "$image" .img)
  if [ ! -e "$image" ]; then
    size=$(xenstore_read "xoar/guest-disks/${name%.*}/${name##*.}")
    truncate -s "$size" "$image" || fatal "cannot create $image ($size bytes)"
  fi
  # The block service makes it empty, then sizes it: a loop device takes the size it has now.
  i=0
  while [ ! -s "$image" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -s "$image" ] || fatal "$image is still empty"
fi
exec "$dir/block" "$@"

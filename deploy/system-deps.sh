#!/usr/bin/env bash
# Installs the Debian packages xoar needs that a fresh machine may lack. Safe to run again.
#   nats-server  the broker (xoar starts its own instances; the system service is not used)
#   util-linux   unshare and setpriv, for the process driver's sandbox
#   xenstore-utils  xenstore-read & co., real XenStore clients for the conformance tests
#   python3-pyxs    pyxs, a Python XenStore client for the conformance tests (for /usr/bin/python3)
set -euo pipefail

need=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v xenstore-read >/dev/null 2>&1 || need+=(xenstore-utils)
/usr/bin/python3 -c 'import pyxs' >/dev/null 2>&1 || need+=(python3-pyxs)

if [ ${#need[@]} -eq 0 ]; then
  echo "system-deps: nothing to install"
elif [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${need[*]}; install them as root: apt-get install -y ${need[*]}" >&2
  exit 1
else
  echo "system-deps: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
bash "$(dirname "$0")/fetch-c-xenstored.sh"

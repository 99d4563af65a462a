"""Exercises a XenStore at $XENSTORED_PATH with pyxs (python3-pyxs) and prints what it saw as JSON."""
import errno
import json
import os
import sys
import copy
from concurrent.futures import ThreadPoolExecutor

from pyxs import Client, PyXSError

socket_path = os.environ["XENSTORED_PATH"]
seen = {}


def errno_name(call):
    try:
        call()
    except PyXSError as error:
        return errno.errorcode.get(error.args[0], str(error.args[0]))
    return None


with Client(unix_socket_path=socket_path) as c, Client(unix_socket_path=socket_path) as other:
    c.write(b"/py/a", b"hello")
    seen["read"] = c.read(b"/py/a").decode()
    seen["read_missing"] = errno_name(lambda: c.read(b"/py/missing"))
    seen["read_default"] = c.read(b"/py/missing", b"fallback").decode()
    c.mkdir(b"/py/dir/sub")
    seen["list"] = sorted(name.decode() for name in c.list(b"/py"))
    seen["exists"] = [c.exists(b"/py/dir/sub"), c.exists(b"/py/nope")]
    c.set_perms(b"/py/a", [b"n0", b"r5"])
    seen["perms"] = [perm.decode() for perm in c.get_perms(b"/py/a")]
    c.delete(b"/py/dir")
    seen["after_rm"] = sorted(name.decode() for name in c.list(b"/py"))
    seen["domain_path"] = c.get_domain_path(3).decode()

    c.transaction()
    c.write(b"/py/tx", b"committed")
    seen["tx_isolated"] = other.read(b"/py/tx", b"<absent>").decode()
    seen["tx_commit"] = c.commit()
    seen["tx_visible"] = other.read(b"/py/tx").decode()

    c.transaction()
    c.read(b"/py/tx")
    c.write(b"/py/tx-lost", b"lost")
    other.write(b"/py/tx", b"changed meanwhile")
    seen["tx_conflict_commit"] = c.commit()
    seen["tx_conflict_lost"] = other.read(b"/py/tx-lost", b"<absent>").decode()

    c.transaction()
    c.write(b"/py/tx-aborted", b"gone")
    c.rollback()
    seen["tx_rollback"] = other.read(b"/py/tx-aborted", b"<absent>").decode()

    def write_and_read(index):
        worker = copy.copy(c)
        path = b"/py/parallel/%d" % index
        worker.write(path, b"value-%d" % index)
        return worker.read(path).decode()

    with ThreadPoolExecutor(max_workers=16) as pool:
        seen["parallel"] = list(pool.map(write_and_read, range(64)))

    with c.monitor() as monitor:
        monitor.watch(b"/py/watched", b"token")
        events = monitor.wait()
        first = next(events)
        other.write(b"/py/watched/child", b"x")
        second = next(events)
        seen["watch_events"] = [[first.path.decode(), first.token.decode()], [second.path.decode(), second.token.decode()]]

json.dump(seen, sys.stdout)

import { describe, expect, it } from 'vitest';
import { XsMessageType } from './message-type.js';
import { failed, LogicHarness, ok } from './testing/logic-harness.js';

describe('watches', () => {
  it('fires once straight away, after the OK', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    const { reply, events } = await harness.logic.handle(dom0.connection, { type: XsMessageType.watch, reqId: 9, txId: 0, payload: Buffer.from('/w\0tok\0', 'latin1') });
    expect(reply).toMatchObject({ type: XsMessageType.watch, reqId: 9 });
    expect(Buffer.from(reply.payload).toString('latin1')).toBe('OK\0');
    expect(events.map(({ connection, message }) => [connection, message.type, message.reqId, Buffer.from(message.payload).toString('latin1')])).toEqual([
      [dom0.connection, XsMessageType.watchEvent, 0, '/w\0tok\0'],
    ]);
  });

  it('fires for changes of the node and of anything below it, not above or beside', async () => {
    const harness = await LogicHarness.open();
    const watcher = harness.client(0);
    const writer = harness.client(0);
    await watcher.watch('/w', 'tok');
    watcher.takeEvents();
    await writer.write('/w/a/b', 'v');
    await writer.write('/w', 'v');
    await writer.write('/other', 'v');
    await writer.write('/wx', 'v');
    await writer.setPerms('/w/a', ['n0']);
    expect(watcher.takeEvents()).toEqual([
      { path: '/w/a/b', token: 'tok' },
      { path: '/w', token: 'tok' },
      { path: '/w/a', token: 'tok' },
    ]);
  });

  it('on removal, reports each removed watched node, and the removed root to watchers above', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    await dom0.write('/r/a/b', 'v');
    await dom0.watch('/r/a/b', 'deep');
    await dom0.watch('/', 'root');
    await dom0.watch('/r/a/b/never', 'below');
    dom0.takeEvents();
    await dom0.rm('/r/a');
    expect(dom0.takeEvents()).toEqual([
      { path: '/r/a/b', token: 'deep' },
      { path: '/r/a', token: 'root' },
    ]);
  });

  it('reports relative to how a relative watch was registered', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    await dom0.watch('device', 'rel');
    await dom0.write('/local/domain/0/device/vif/0', 'v');
    expect(dom0.takeEvents()).toEqual([
      { path: 'device', token: 'rel' },
      { path: 'device/vif/0', token: 'rel' },
    ]);
  });

  it('fires only when a transaction commits', async () => {
    const harness = await LogicHarness.open();
    const watcher = harness.client(0);
    const writer = harness.client(0);
    await watcher.watch('/w', 'tok');
    watcher.takeEvents();
    const tx = await writer.startTransaction();
    await writer.write('/w/x', 'v', tx);
    expect(watcher.takeEvents()).toEqual([]);
    await writer.endTransaction(tx, true);
    expect(watcher.takeEvents()).toEqual([{ path: '/w/x', token: 'tok' }]);
    const aborted = await writer.startTransaction();
    await writer.write('/w/y', 'v', aborted);
    await writer.endTransaction(aborted, false);
    expect(watcher.takeEvents()).toEqual([]);
  });

  it('a committed transaction fires once per node it changed, for its subtree if any change was; a node it created and removed fires nothing', async () => {
    const harness = await LogicHarness.open();
    const watcher = harness.client(0);
    const writer = harness.client(0);
    await writer.write('/w/b/c', 'v');
    await watcher.watch('/w', 'top');
    await watcher.watch('/w/b/c', 'deep');
    watcher.takeEvents();
    const tx = await writer.startTransaction();
    await writer.write('/w/t1', 'one', tx);
    await writer.write('/w/t1', 'two', tx);
    await writer.rm('/w/b', tx);
    await writer.write('/w/b/c', 'again', tx);
    await writer.write('/w/b/c/gone', 'x', tx);
    await writer.rm('/w/b/c/gone', tx);
    expect(await writer.endTransaction(tx, true)).toEqual(ok());
    expect(watcher.takeEvents()).toEqual([
      { path: '/w/t1', token: 'top' },
      { path: '/w/b/c', token: 'top' },
      { path: '/w/b/c', token: 'deep' },
      { path: '/w/b', token: 'top' },
    ]);
  });

  it('WATCH and UNWATCH take exactly a path and a token', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    const raw = (type: number, payload: string) => dom0.send(type, Buffer.from(payload, 'latin1'));
    const errno = async (type: number, payload: string) => Buffer.from((await raw(type, payload)).payload).toString('latin1');
    expect(await errno(XsMessageType.watch, '/x\0t\0extra\0')).toBe('EINVAL\0');
    expect(await errno(XsMessageType.watch, '/x\0t\0\0')).toBe('EINVAL\0');
    expect(await dom0.watch('/p', 'tok')).toEqual(ok());
    expect(await errno(XsMessageType.unwatch, '/p\0tok\0x\0')).toBe('EINVAL\0');
    expect(await errno(XsMessageType.unwatch, '/p\0tok\0trailing bytes')).toBe('OK\0');
  });

  it('stops after UNWATCH and RESET_WATCHES', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    await dom0.watch('/w', 'a');
    await dom0.watch('/w', 'b');
    expect(await dom0.watch('/w', 'a')).toEqual(failed('EEXIST'));
    expect(await dom0.unwatch('/w', 'a')).toEqual(ok());
    expect(await dom0.unwatch('/w', 'a')).toEqual(failed('ENOENT'));
    dom0.takeEvents();
    await dom0.write('/w', '1');
    expect(dom0.takeEvents()).toEqual([{ path: '/w', token: 'b' }]);
    expect(await dom0.call(XsMessageType.resetWatches, [''])).toEqual(ok());
    await dom0.write('/w', '2');
    expect(dom0.takeEvents()).toEqual([]);
  });

  it('tells a watcher only about nodes it may read (or whose parent it may read)', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    const guest = harness.client(5);
    await dom0.write('/g/secret', 'v');
    await guest.watch('/g', 'tok');
    guest.takeEvents();
    await dom0.write('/g/secret', 'w');
    expect(guest.takeEvents()).toEqual([]);
    await dom0.setPerms('/g', ['n0', 'r5']);
    await dom0.write('/g/secret', 'x');
    expect(guest.takeEvents()).toEqual([{ path: '/g', token: 'tok' }, { path: '/g/secret', token: 'tok' }]);
  });

  it('fires @introduceDomain and @releaseDomain for privileged watchers and those the special node lets read', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    const guest = harness.client(5);
    await dom0.watch('@introduceDomain', 'in');
    await dom0.watch('@releaseDomain', 'out');
    await guest.watch('@releaseDomain', 'guest-out');
    dom0.takeEvents();
    guest.takeEvents();
    expect(await dom0.call(XsMessageType.introduce, ['7', '0', '3'])).toEqual(ok());
    expect(await dom0.call(XsMessageType.introduce, ['7', '0', '3'])).toEqual(ok());
    expect(await dom0.call(XsMessageType.release, ['7'])).toEqual(ok());
    expect(dom0.takeEvents()).toEqual([{ path: '@introduceDomain', token: 'in' }, { path: '@releaseDomain', token: 'out' }]);
    expect(guest.takeEvents()).toEqual([]);
    await dom0.setPerms('@releaseDomain', ['n0', 'r5']);
    expect([...dom0.takeEvents(), ...guest.takeEvents()]).toEqual([]);
    await dom0.call(XsMessageType.introduce, ['7', '0', '3']);
    await dom0.call(XsMessageType.release, ['7']);
    expect(guest.takeEvents()).toEqual([{ path: '@releaseDomain', token: 'guest-out' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { XsMessageType } from './message-type.js';
import { failed, LogicHarness, ok } from './testing/logic-harness.js';

describe('reading and writing nodes', () => {
  it('writes a value, creating missing parents empty, and reads it back', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    expect(await dom0.write('/a/b/c', 'v')).toEqual(ok());
    expect(await dom0.read('/a/b/c')).toEqual(ok('v'));
    expect(await dom0.read('/a/b')).toEqual(ok(''));
    expect(await dom0.directory('/a')).toEqual(['b']);
    expect(await dom0.directory('/a/b/c')).toEqual([]);
  });

  it('keeps binary values as written, NUL bytes included', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    await dom0.send(XsMessageType.write, Buffer.from('/bin\0a\0b\0', 'latin1'));
    const reply = await dom0.send(XsMessageType.read, Buffer.from('/bin\0', 'latin1'));
    expect(Buffer.from(reply.payload).toString('latin1')).toBe('a\0b\0');
  });

  it('lists children in creation order', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    for (const name of ['z', 'a', 'm']) await dom0.write(`/d/${name}`, '');
    expect(await dom0.directory('/d')).toEqual(['z', 'a', 'm']);
  });

  it('resolves relative paths under the caller\'s domain path', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    await dom0.mkdir('/local/domain/4');
    await dom0.setPerms('/local/domain/4', ['n4']);
    const guest = harness.client(4);
    expect(await guest.write('device/vif', 'up')).toEqual(ok());
    expect(await dom0.read('/local/domain/4/device/vif')).toEqual(ok('up'));
    expect(await dom0.read('own')).toEqual(failed('ENOENT'));
    await dom0.write('own', 'x');
    expect(await dom0.read('/local/domain/0/own')).toEqual(ok('x'));
  });

  it('mkdir creates empty nodes and leaves existing values alone', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    await dom0.write('/a', 'keep');
    expect(await dom0.mkdir('/a')).toEqual(ok());
    expect(await dom0.mkdir('/a/x/y')).toEqual(ok());
    expect(await dom0.read('/a')).toEqual(ok('keep'));
    expect(await dom0.read('/a/x/y')).toEqual(ok(''));
  });

  it('rm removes a whole subtree; a missing node is fine only if its parent exists', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    await dom0.write('/a/b/c', 'v');
    await dom0.write('/a/d', 'w');
    expect(await dom0.rm('/a/b')).toEqual(ok());
    expect(await dom0.read('/a/b/c')).toEqual(failed('ENOENT'));
    expect(await dom0.directory('/a')).toEqual(['d']);
    expect(await dom0.rm('/a/b')).toEqual(ok());
    expect(await dom0.rm('/a/b/c')).toEqual(failed('ENOENT'));
    expect(await dom0.rm('/')).toEqual(failed('EINVAL'));
  });

  it('answers ENOENT for missing nodes and EINVAL for bad paths or argument shapes', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    expect(await dom0.read('/missing')).toEqual(failed('ENOENT'));
    expect(await dom0.read('/bad/')).toEqual(failed('EINVAL'));
    expect(await dom0.write('/a b', 'v')).toEqual(failed('EINVAL'));
    expect(await dom0.read('@introduceDomain')).toEqual(failed('EINVAL'));
    const unterminated = await dom0.send(XsMessageType.read, Buffer.from('/a', 'latin1'));
    expect(Buffer.from(unterminated.payload).toString('latin1')).toBe('EINVAL\0');
    const writeWithoutNul = await dom0.send(XsMessageType.write, Buffer.from('/a', 'latin1'));
    expect(writeWithoutNul.type).toBe(XsMessageType.error);
  });

  it('answers E2BIG when a directory listing exceeds the payload limit, and DIRECTORY_PART pages it', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    const names = Array.from({ length: 300 }, (_, index) => `child-with-a-long-name-${String(index).padStart(4, '0')}`);
    for (const name of names) await dom0.mkdir(`/big/${name}`);
    expect(await dom0.directory('/big')).toEqual(failed('E2BIG'));

    const listed: string[] = [];
    const generations = new Set<string>();
    for (let offset = 0, complete = false; !complete; ) {
      const reply = await dom0.send(XsMessageType.directoryPart, Buffer.from(`/big\0${offset}\0`, 'latin1'));
      const [generation = '', ...chunk] = Buffer.from(reply.payload).toString('latin1').split('\0');
      generations.add(generation);
      complete = chunk.length >= 2 && chunk.at(-2) === '';
      const chunkNames = chunk.filter((name) => name !== '');
      listed.push(...chunkNames);
      offset += chunkNames.reduce((bytes, name) => bytes + name.length + 1, 0);
    }
    expect(generations.size).toBe(1);
    expect(listed).toEqual(names);
  });

  it('DIRECTORY_PART past the end gives the generation and an empty list', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    await dom0.write('/p/a', '');
    const reply = await dom0.send(XsMessageType.directoryPart, Buffer.from('/p\x00999\0', 'latin1'));
    expect(Buffer.from(reply.payload).toString('latin1')).toMatch(/^\d+\0\0$/);
  });
});

describe('permissions', () => {
  async function withGuestNode() {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    await dom0.write('/shared/node', 'secret');
    return { harness, dom0, guest: harness.client(5), other: harness.client(6) };
  }

  it('new nodes inherit their parent\'s permissions; GET_PERMS lists them', async () => {
    const { dom0 } = await withGuestNode();
    await dom0.setPerms('/shared', ['n0', 'r5']);
    await dom0.write('/shared/new/deep', 'x');
    expect(await dom0.getPerms('/shared/new/deep')).toEqual(['n0', 'r5']);
    expect(await dom0.getPerms('/shared/node')).toEqual(['n0']);
  });

  it('refuses other domains with EACCES and lets listed ones in', async () => {
    const { dom0, guest, other } = await withGuestNode();
    expect(await guest.read('/shared/node')).toEqual(failed('EACCES'));
    await dom0.setPerms('/shared/node', ['n0', 'r5']);
    expect(await guest.read('/shared/node')).toEqual(ok('secret'));
    expect(await guest.write('/shared/node', 'no')).toEqual(failed('EACCES'));
    expect(await other.read('/shared/node')).toEqual(failed('EACCES'));
    await dom0.setPerms('/shared/node', ['r0']);
    expect(await other.read('/shared/node')).toEqual(ok('secret'));
  });

  it('hides absence behind EACCES from a domain that may not read the parent', async () => {
    const { dom0, guest } = await withGuestNode();
    expect(await guest.read('/shared/missing')).toEqual(failed('EACCES'));
    await dom0.setPerms('/shared', ['n0', 'r5']);
    expect(await guest.read('/shared/missing')).toEqual(failed('ENOENT'));
  });

  it('a guest owns what it creates where it may write', async () => {
    const { dom0, guest } = await withGuestNode();
    await dom0.setPerms('/shared', ['n0', 'b5']);
    expect(await guest.write('/shared/mine/leaf', 'v')).toEqual(ok());
    expect(await dom0.getPerms('/shared/mine/leaf')).toEqual(['n5', 'b5']);
  });

  it('only the owner or dom0 may SET_PERMS, and only dom0 may change the owner', async () => {
    const { dom0, guest, other } = await withGuestNode();
    await dom0.setPerms('/shared/node', ['n5']);
    expect(await guest.setPerms('/shared/node', ['n5', 'r6'])).toEqual(ok());
    expect(await other.setPerms('/shared/node', ['n6'])).toEqual(failed('EACCES'));
    expect(await guest.setPerms('/shared/node', ['n6'])).toEqual(failed('EPERM'));
    expect(await dom0.setPerms('/shared/node', ['n6'])).toEqual(ok());
    expect(await dom0.setPerms('/shared/node', ['x6'])).toEqual(failed('EINVAL'));
    expect(await dom0.call(XsMessageType.setPerms, ['/shared/node'])).toEqual(failed('EINVAL'));
  });

  it('the owner must be an existing domain (ENOENT); other entries may name any domain and are listed as given', async () => {
    const { dom0 } = await withGuestNode();
    for (const owner of ['n32752', 'n32767', 'n70000', 'n-5']) expect(await dom0.setPerms('/shared/node', [owner])).toEqual(failed('ENOENT'));
    expect(await dom0.setPerms('/shared/missing', ['n70000'])).toEqual(failed('ENOENT'));
    expect(await dom0.setPerms('/shared/node', ['n2147483648'])).toEqual(failed('EINVAL'));
    expect(await dom0.setPerms('/shared/node', ['n32751', 'r-5', 'r70000', 'w32752'])).toEqual(ok());
    expect(await dom0.getPerms('/shared/node')).toEqual(['n32751', 'r-5', 'r70000', 'w32752']);
  });

  it('special watch paths take SET_PERMS (the owner of theirs only) but are no nodes to GET_PERMS', async () => {
    const { dom0, guest } = await withGuestNode();
    for (const path of ['@releaseDomain', '@introduceDomain', '@other', '@']) expect(await dom0.getPerms(path)).toEqual(failed('EINVAL'));
    expect(await dom0.setPerms('@releaseDomain', ['n0', 'r5'])).toEqual(ok());
    expect(await guest.setPerms('@releaseDomain', ['n5'])).toEqual(failed('EACCES'));
    expect(await dom0.setPerms('@introduceDomain', ['n5'])).toEqual(ok());
    expect(await guest.setPerms('@introduceDomain', ['n5', 'r6'])).toEqual(ok());
    expect(await dom0.setPerms('@other', ['n0'])).toEqual(failed('EINVAL'));
    expect(await dom0.setPerms('@releaseDomain', ['n70000'])).toEqual(failed('ENOENT'));
  });
});

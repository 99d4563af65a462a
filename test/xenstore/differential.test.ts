import { describe, expect, it } from 'vitest';
import { XsMessageType as T } from '../../shared/xenstore/message-type.js';
import { XS_HEADER_SIZE } from '../../shared/xenstore/wire.js';
import { DIVERGENT_REPLIES, normalised } from './differential/deliberate-differences.js';
import { payloadBytes, text } from './differential/dialogue.js';
import type { Dialogue, Payload, RecordedStep } from './differential/dialogue.js';
import { playAgainstBoth } from './differential/play-against-both.js';
import type { Scenario } from './differential/play-against-both.js';
import { cXenstoredIsUnpacked } from './support/c-xenstored.js';

/**
 * The same raw request sequences go to Debian's C xenstored 4.17 and to our XenStore; every
 * reply (type, req_id, tx_id, payload), every watch event and every dropped connection must
 * match, up to the differences named in differential/deliberate-differences.ts.
 */
const UNAVAILABLE = cXenstoredIsUnpacked() ? undefined : 'C xenstored is not unpacked (bash deploy/fetch-c-xenstored.sh)';
if (UNAVAILABLE && process.env['CI']) throw new Error(`differential tests cannot run in CI: ${UNAVAILABLE}`);
if (UNAVAILABLE) console.warn(`skipping the differential tests against C xenstored: ${UNAVAILABLE}`);

/** Plays the scenario on both servers, expects the same recording, and returns C's for further checks. */
async function sameAsC(scenario: Scenario): Promise<RecordedStep[]> {
  const { c, ours } = await playAgainstBoth(scenario);
  expect(normalised(ours)).toEqual(normalised(c));
  return c;
}

const send = (d: Dialogue, type: number, payload: Payload, options: { txId?: number; connection?: number } = {}) =>
  d.request({ type, payload, ...(options.txId === undefined ? {} : { txId: options.txId }) }, options.connection ?? 0);
/** WRITE as clients send it: the value is the rest of the payload, with no NUL of its own. */
const write = (d: Dialogue, path: string, value: string, options: { txId?: number; connection?: number } = {}) => send(d, T.write, `${path}\0${value}`, options);
const startTransaction = async (d: Dialogue, connection = 0): Promise<number> => Number.parseInt(text(await send(d, T.transactionStart, [''], { connection })), 10);
/** One step as "type payload" lines, NULs shown as |, watch events prefixed by their connection. */
const shown = (step: RecordedStep | undefined): string[] =>
  (step?.received ?? []).map((r) => `${r.type === 'watchEvent' ? `c${r.connection} ` : ''}${r.type} ${r.payload.replaceAll('\0', '|')}`);
const longName = (length: number): string => 'n'.repeat(length);

describe.skipIf(UNAVAILABLE !== undefined)('differential: C xenstored 4.17 and our XenStore answer alike', () => {
  it('READ, WRITE creating parents, MKDIR, RM and DIRECTORY', async () => {
    const c = await sameAsC(async (d) => {
      await write(d, '/a/b/c', 'hello');
      await send(d, T.read, ['/a/b/c']);
      await send(d, T.read, ['/a/b']);
      await send(d, T.directory, ['/a']);
      await send(d, T.mkdir, ['/a/m']);
      await send(d, T.mkdir, ['/a/m']);
      await send(d, T.mkdir, ['/a/b/c']);
      await send(d, T.read, ['/a/b/c']);
      await send(d, T.directory, ['/a']);
      await send(d, T.rm, ['/a/m']);
      await send(d, T.rm, ['/a/m']);
      await send(d, T.rm, ['/a/missing/deeper']);
      await send(d, T.rm, ['/']);
      await send(d, T.read, ['/nowhere']);
      await send(d, T.directory, ['/nowhere']);
      await send(d, T.write, '/value/binary\0\xff\x01a\0b');
      await send(d, T.read, ['/value/binary']);
      await send(d, T.write, ['/value/empty']);
      await send(d, T.read, ['/value/empty']);
      await write(d, '/', 'root value');
      await send(d, T.read, ['/']);
    });
    expect(shown(c[1])).toEqual(['read hello']);
    expect(shown(c[11])).toEqual(['error ENOENT|']);
    expect(shown(c[12])).toEqual(['error EINVAL|']);
  });

  it('GET_PERMS and SET_PERMS: new nodes inherit their parent\'s permissions; malformed permission lists are EINVAL', async () => {
    const c = await sameAsC(async (d) => {
      await write(d, '/p/q', 'v');
      await send(d, T.getPerms, ['/p/q']);
      await send(d, T.setPerms, ['/p/q', 'n5', 'b7', 'w0', 'r3', 'n3']);
      await send(d, T.getPerms, ['/p/q']);
      await write(d, '/p/q/child', 'v');
      await send(d, T.getPerms, ['/p/q/child']);
      await send(d, T.mkdir, ['/p/q/dir']);
      await send(d, T.getPerms, ['/p/q/dir']);
      await send(d, T.setPerms, ['/p/q', 'n05']);
      await send(d, T.getPerms, ['/p/q']);
      for (const bad of ['z5', 'N5', 'r', 'rx', 'r0x']) await send(d, T.setPerms, ['/p/q', 'n0', bad]);
      await send(d, T.setPerms, ['/p/q']);
      await send(d, T.setPerms, '/p/q\0n1');
      await send(d, T.setPerms, ['/missing', 'n0']);
      await send(d, T.setPerms, ['/', 'n0', 'r5']);
      await send(d, T.getPerms, ['/']);
      await send(d, T.getPerms, ['/missing']);
      await send(d, T.setPerms, ['@introduceDomain', 'n0', 'r5']);
    });
    expect(shown(c[3])).toEqual(['getPerms n5|b7|w0|r3|n3|']);
    expect(shown(c[5])).toEqual(['getPerms n5|b7|w0|r3|n3|']);
  });

  it('SET_PERMS: the owner (first entry) must be an existing domain, else ENOENT before the path is looked at; later entries may name any domain', async () => {
    const c = await sameAsC(async (d) => {
      await write(d, '/p', 'v');
      for (const owner of ['n32752', 'n32767', 'n70000', 'n-5']) await send(d, T.setPerms, ['/p', owner]);
      await send(d, T.setPerms, ['/missing', 'n70000']);
      await send(d, T.setPerms, ['/bad//path', 'n-5']);
      await send(d, T.setPerms, ['/p', 'n32751']);
      await send(d, T.getPerms, ['/p']);
      await send(d, T.setPerms, ['/p', 'n0', 'r-5', 'r70000', 'w32752', 'b32767', 'r-0']);
      await send(d, T.getPerms, ['/p']);
      await write(d, '/p/child', 'v');
      await send(d, T.getPerms, ['/p/child']);
    });
    expect(shown(c[1])).toEqual(['error ENOENT|']);
    expect(shown(c[10])).toEqual(['getPerms n0|r-5|r70000|w32752|b32767|r0|']);
  });

  it('special paths: GET_PERMS is EINVAL; SET_PERMS takes @introduceDomain and @releaseDomain only, and fires no watch', async () => {
    const c = await sameAsC(async (d) => {
      await send(d, T.watch, ['@introduceDomain', 'in'], { connection: 1 });
      await send(d, T.watch, ['@releaseDomain', 'out'], { connection: 1 });
      for (const path of ['@introduceDomain', '@releaseDomain', '@other', '@']) await send(d, T.getPerms, [path]);
      await send(d, T.setPerms, ['@introduceDomain', 'n0', 'r5']);
      await send(d, T.setPerms, ['@releaseDomain', 'n5']);
      await send(d, T.setPerms, ['@releaseDomain', 'n70000']);
      await send(d, T.setPerms, ['@introduceDomain', 'n0', 'bad']);
      // C's set_perms_special refuses other names with EINVAL but does not set errno, and do_set_perms answers errno: whatever the
      // last failed library call left there (0 makes C 4.17 abort). The GET_PERMS just before leaves EINVAL, the answer C means.
      await send(d, T.getPerms, ['@other']);
      await send(d, T.setPerms, ['@other', 'n0']);
      await send(d, T.introduce, ['5', '1', '3']);
      await send(d, T.release, ['5']);
    });
    expect(shown(c[2])).toEqual(['error EINVAL|']);
    expect(shown(c[6])).toEqual(['setPerms OK|']);
    expect(shown(c[11])).toEqual(['error EINVAL|']);
  });

  it('the store starts with /tool/xenstored, owned by dom0 with no access for others', async () => {
    const c = await sameAsC(async (d) => {
      await send(d, T.directory, ['/']);
      await send(d, T.directory, ['/tool']);
      await send(d, T.read, ['/tool']);
      await send(d, T.read, ['/tool/xenstored']);
      await send(d, T.directory, ['/tool/xenstored']);
      for (const path of ['/', '/tool', '/tool/xenstored']) await send(d, T.getPerms, [path]);
      await write(d, '/later', 'v');
      await send(d, T.directory, ['/']);
    });
    expect(shown(c[0])).toEqual(['directory tool|']);
    expect(shown(c[3])).toEqual(['read ']);
    expect(shown(c[6])).toEqual(['getPerms n0|']);
  });

  it('relative paths resolve under /local/domain/0, in requests and in watches', async () => {
    const c = await sameAsC(async (d) => {
      await send(d, T.watch, ['rel', 'relative token'], { connection: 1 });
      await send(d, T.watch, ['/local/domain/0/rel', 'absolute token'], { connection: 1 });
      await write(d, 'rel/x', 'v');
      await send(d, T.read, ['/local/domain/0/rel/x']);
      await write(d, '/local/domain/0/rel/y', 'w');
      await send(d, T.read, ['rel/y']);
      await send(d, T.directory, ['rel']);
      await send(d, T.rm, ['rel/x']);
      await send(d, T.unwatch, ['rel', 'relative token'], { connection: 1 });
      await send(d, T.unwatch, ['/local/domain/0/rel', 'relative token'], { connection: 1 });
    });
    expect(shown(c[2])).toEqual(['write OK|', 'c1 watchEvent rel/x|relative token|', 'c1 watchEvent /local/domain/0/rel/x|absolute token|']);
  });

  it('path rules: allowed characters, //, trailing /, empty paths and length limits', async () => {
    await sameAsC(async (d) => {
      for (const path of ['/a/', '/a//b', '/a/b c', '/a/b$', '/p/\x7f', '/p/a.b', '/p/a:b', '/p/é', '/p/a-b_c@d', '', '@special', '@introduceDomain']) {
        await write(d, path, 'v');
      }
      await write(d, '/' + longName(2047), 'fits');
      await write(d, '/' + longName(2048), 'one too many');
      await send(d, T.read, ['/' + longName(2047)]);
      await write(d, longName(2048), 'relative: counted without /local/domain/0/');
      await write(d, longName(2049), 'too long');
      await send(d, T.read, [`/local/domain/7/${longName(2048)}`]);
      await send(d, T.read, [`/local/domain/7/${longName(2049)}`]);
      await send(d, T.read, [`/local/domain/007/${longName(2048)}`]);
      await send(d, T.read, [`/local/domain/123456/${longName(2048)}`]);
      await send(d, T.read, [`/local/domain/7x/${longName(2020)}`]);
      await send(d, T.watch, ['/' + longName(2048), 'token']);
      await send(d, T.watch, ['@' + longName(2047), 'token']);
      await send(d, T.watch, ['@' + longName(2048), 'token']);
      await send(d, T.watch, ['/w/', 'token']);
      await send(d, T.watch, ['/w\tx', 'token']);
    });
  });

  it('payload framing: missing or extra NUL-terminated arguments', async () => {
    await sameAsC(async (d) => {
      await send(d, T.write, '/x');
      await send(d, T.write, ['/x']);
      await send(d, T.write, '/x\0a\0b');
      await send(d, T.read, ['/x']);
      await send(d, T.getDomainPath, '7');
      await send(d, T.getDomainPath, ['7', '8']);
      await send(d, T.getDomainPath, '');
      await send(d, T.watch, ['/x']);
      await send(d, T.resetWatches, ['ignored']);
      await send(d, T.transactionStart, ['ignored', 'too']);
      await send(d, T.release, ['9', 'extra']);
      await send(d, T.introduce, ['9', '1']);
    });
  });

  it('payload limits: 4096 bytes are accepted, a longer frame drops the connection, a reply over 4096 bytes is E2BIG', async () => {
    const header = (type: number, length: number): Buffer => {
      const frame = Buffer.alloc(XS_HEADER_SIZE);
      frame.writeUInt32LE(type, 0);
      frame.writeUInt32LE(9, 4);
      frame.writeUInt32LE(length, 12);
      return frame;
    };
    const c = await sameAsC(async (d) => {
      await write(d, '/big', 'x'.repeat(4096 - '/big\0'.length));
      await send(d, T.read, ['/big']);
      for (let start = 0; start < 300; start += 100) {
        await d.pipeline(Array.from({ length: 100 }, (_, i) => ({ type: T.write, payload: `/wide/${longName(30)}${start + i}\0` })));
      }
      await send(d, T.directory, ['/wide']);
      await d.sendBytes(Buffer.concat([header(T.write, 4097), payloadBytes(['/big', 'y'.repeat(4097 - '/big\0\0'.length)])]), 'WRITE with a 4097-byte payload');
      await send(d, T.read, ['/big'], { connection: 1 });
      await d.sendBytes(header(T.read, 0xffffffff), 'header claiming 4 GiB', 1);
      await send(d, T.read, ['/big'], { connection: 2 });
    });
    expect(shown(c[1])[0]).toBe(`read ${'x'.repeat(4091)}`);
    expect(shown(c[5])).toEqual(['error E2BIG|']);
    expect(c[6]?.closed).toEqual([0]);
    expect(c[8]?.closed).toEqual([1]);
  });

  it('pipelined requests are answered in order, each with its own req_id, whatever the ids', async () => {
    const c = await sameAsC(async (d) => {
      await d.pipeline([
        { type: T.write, payload: '/pp\0a', reqId: 77 },
        { type: T.read, payload: ['/pp'], reqId: 77 },
        { type: T.read, payload: ['/nope'], reqId: 0 },
        { type: T.getPerms, payload: ['/pp'], reqId: 0xffffffff },
        { type: 99, payload: ['/pp'], reqId: 3 },
        { type: T.directory, payload: ['/pp'], reqId: 2 },
      ]);
      await d.pipeline(Array.from({ length: 200 }, (_, i) => ({ type: i % 2 ? T.read : T.write, payload: i % 2 ? [`/n/${i - 1}`] : `/n/${i}\0${i}` })));
    });
    expect(c[0]?.received.map((r) => r.reqId)).toEqual([77, 77, 0, 0xffffffff, 3, 2]);
  });

  it('message types the server does not know get ENOSYS', async () => {
    const c = await sameAsC(async (d) => {
      for (const type of [T.error, T.watchEvent, 20, T.getFeature, T.setFeature, T.getQuota, T.setQuota, 27, 99, 0xffffffff]) await send(d, type, ['/']);
    });
    expect(c.flatMap(shown)).toEqual(Array(10).fill('error ENOSYS|'));
  });

  it('WATCH fires at once and on changes at or below its path, on every watching connection; UNWATCH and RESET_WATCHES stop it', async () => {
    const c = await sameAsC(async (d) => {
      await send(d, T.watch, ['/w', 'tok']);
      await send(d, T.watch, ['/w', 'tok']);
      await send(d, T.watch, ['/w', 'tok2'], { connection: 1 });
      await send(d, T.watch, ['/w', 'tok3'], { connection: 1 });
      await send(d, T.watch, ['/', 'everything'], { connection: 2 });
      await write(d, '/w/x', 'v');
      await write(d, '/w', 'same', { connection: 1 });
      await write(d, '/elsewhere', 'v');
      await send(d, T.mkdir, ['/w/x']);
      await send(d, T.mkdir, ['/w/new']);
      await send(d, T.setPerms, ['/w/x', 'n0', 'r3']);
      await send(d, T.read, ['/w/x']);
      await send(d, T.unwatch, ['/w', 'tok']);
      await send(d, T.unwatch, ['/w', 'tok']);
      await send(d, T.unwatch, ['/w', 'never']);
      await write(d, '/w/q', 'v');
      await send(d, T.resetWatches, [], { connection: 1 });
      await write(d, '/w/q', 'v2');
      await send(d, T.watch, ['@anything', 'special'], { connection: 1 });
      await send(d, T.watch, ['/bad//path', 'token'], { connection: 1 });
      await send(d, T.watch, ['/long/token', 't'.repeat(3000)], { connection: 1 });
      await write(d, '/long/token', 'v');
    });
    expect(shown(c[0])).toEqual(['watch OK|', 'c0 watchEvent /w|tok|']);
    expect(shown(c[1])).toEqual(['error EEXIST|']);
  });

  it('WATCH and UNWATCH take exactly a path and a token: a third string is EINVAL, bytes after the last NUL are ignored', async () => {
    const c = await sameAsC(async (d) => {
      await send(d, T.watch, '/x\0t\0extra\0');
      await send(d, T.watch, '/x\0t\0\0');
      await send(d, T.watch, '/p\0tok\0');
      await send(d, T.unwatch, '/p\0tok\0x\0');
      await send(d, T.unwatch, '/p\0tok\0\0');
      await send(d, T.unwatch, '/p\0tok\0trailing bytes');
      await send(d, T.watch, '/q\0tok\0trailing bytes');
      await write(d, '/x', 'v');
    });
    expect(shown(c[0])).toEqual(['error EINVAL|']);
    expect(shown(c[3])).toEqual(['error EINVAL|']);
    expect(shown(c[5])).toEqual(['unwatch OK|']);
  });

  it('RM fires the watches on the removed nodes and below them', async () => {
    await sameAsC(async (d) => {
      await write(d, '/a/b/c/d', 'v');
      await send(d, T.watch, ['/a/b/c', 'deep'], { connection: 1 });
      await send(d, T.watch, ['/a', 'top'], { connection: 1 });
      await send(d, T.watch, ['/a/b/c/d/e', 'below everything'], { connection: 1 });
      await send(d, T.watch, ['/', 'root'], { connection: 2 });
      await send(d, T.rm, ['/a/b']);
      await send(d, T.rm, ['/a/b']);
      await write(d, '/a/b/c', 'v');
    });
  });

  it('transactions: isolation, commit, abort, EAGAIN on a conflict, ENOENT for unknown ids, EBUSY when nested', async () => {
    const c = await sameAsC(async (d) => {
      await write(d, '/t/a', 'one');
      const first = await startTransaction(d);
      await send(d, T.read, ['/t/a'], { txId: first });
      await write(d, '/t/a', 'two', { txId: first });
      await write(d, '/t/b', 'new', { txId: first });
      await send(d, T.read, ['/t/a'], { txId: first });
      await send(d, T.read, ['/t/a']);
      await send(d, T.read, ['/t/a'], { txId: first, connection: 1 });
      await send(d, T.directory, ['/t'], { txId: first });
      await send(d, T.directory, ['/t']);
      await send(d, T.transactionStart, [''], { txId: first });
      await send(d, T.transactionEnd, ['T'], { txId: first });
      await send(d, T.read, ['/t/a']);
      await send(d, T.transactionEnd, ['T'], { txId: first });

      const winner = await startTransaction(d);
      const loser = await startTransaction(d, 1);
      await send(d, T.read, ['/t/a'], { txId: winner });
      await send(d, T.read, ['/t/a'], { txId: loser, connection: 1 });
      await write(d, '/t/a', 'winner', { txId: winner });
      await write(d, '/t/a', 'loser', { txId: loser, connection: 1 });
      await send(d, T.transactionEnd, ['T'], { txId: winner });
      await send(d, T.transactionEnd, ['T'], { txId: loser, connection: 1 });
      await send(d, T.read, ['/t/a']);

      const aborted = await startTransaction(d);
      await write(d, '/t/c', 'abort', { txId: aborted });
      await send(d, T.transactionEnd, ['F'], { txId: aborted });
      await send(d, T.read, ['/t/c']);

      const malformed = await startTransaction(d);
      await send(d, T.transactionEnd, ['X'], { txId: malformed });
      await send(d, T.transactionEnd, [], { txId: malformed });
      await send(d, T.transactionEnd, ['T']);
      await send(d, T.rm, ['/t'], { txId: malformed });
      await send(d, T.read, ['/t/a'], { txId: malformed });
      await send(d, T.mkdir, ['/t/fresh'], { txId: malformed });
      await send(d, T.transactionEnd, ['T'], { txId: malformed });
      await send(d, T.directory, ['/t']);

      for (const type of [T.read, T.getDomainPath, T.isDomainIntroduced]) await send(d, type, ['0'], { txId: 0xdeadbeef });
      await send(d, T.watch, ['/q', 'watch ignores tx_id'], { txId: 0xdeadbeef });
      for (let i = 0; i < 20; i++) await startTransaction(d, 2);
    });
    const replies = c.flatMap(shown);
    expect(replies).toContain('error EAGAIN|');
    expect(replies).toContain('error EBUSY|');
  });

  it('a committed transaction fires the watches of the nodes it changed, on commit only', async () => {
    await sameAsC(async (d) => {
      await write(d, '/a/b/c', 'v');
      await send(d, T.watch, ['/a', 'top'], { connection: 1 });
      await send(d, T.watch, ['/a/b/c', 'deep'], { connection: 1 });
      await send(d, T.watch, ['/', 'root'], { connection: 2 });
      const tx = await startTransaction(d);
      await write(d, '/a/t1', 'v', { txId: tx });
      await send(d, T.rm, ['/a/b'], { txId: tx });
      await send(d, T.setPerms, ['/a', 'n0', 'r1'], { txId: tx });
      await send(d, T.transactionEnd, ['T'], { txId: tx });
      const aborted = await startTransaction(d);
      await write(d, '/a/t2', 'v', { txId: aborted });
      await send(d, T.transactionEnd, ['F'], { txId: aborted });
    });
  });

  it('a committed transaction fires once per node it changed, for the subtree if any change was; a node it created and removed fires nothing', async () => {
    const c = await sameAsC(async (d) => {
      await write(d, '/a/b/c', 'v');
      await send(d, T.watch, ['/a', 'top'], { connection: 1 });
      await send(d, T.watch, ['/a/b/c', 'deep'], { connection: 1 });
      await send(d, T.watch, ['/a/t1', 'exact'], { connection: 2 });
      const twice = await startTransaction(d);
      await write(d, '/a/t1', 'one', { txId: twice });
      await write(d, '/a/t1', 'two', { txId: twice });
      await send(d, T.setPerms, ['/a/t1', 'n0'], { txId: twice });
      await send(d, T.transactionEnd, ['T'], { txId: twice });
      const recreated = await startTransaction(d);
      await send(d, T.rm, ['/a/b'], { txId: recreated });
      await write(d, '/a/b/c', 'again', { txId: recreated });
      await send(d, T.transactionEnd, ['T'], { txId: recreated });
      const transient = await startTransaction(d);
      await write(d, '/a/b/c/d', 'v', { txId: transient });
      await send(d, T.rm, ['/a/b'], { txId: transient });
      await send(d, T.transactionEnd, ['T'], { txId: transient });
    });
    expect(shown(c[8])).toEqual(['transactionEnd OK|', 'c1 watchEvent /a/t1|top|', 'c2 watchEvent /a/t1|exact|']);
  });

  it('DIRECTORY_PART pages a directory too big for DIRECTORY, inside and outside transactions', async () => {
    await sameAsC(async (d) => {
      for (let start = 0; start < 300; start += 100) {
        await d.pipeline(Array.from({ length: 100 }, (_, i) => ({ type: T.write, payload: `/wide/${longName(30)}${start + i}\0` })));
      }
      for (const offset of ['0', '4000', '9000', '99999', 'x']) await send(d, T.directoryPart, ['/wide', offset]);
      await send(d, T.directoryPart, ['/wide']);
      await send(d, T.directoryPart, ['/missing', '0']);
      const tx = await startTransaction(d);
      await write(d, '/wide/extra', '', { txId: tx });
      await send(d, T.directoryPart, ['/wide', '9000'], { txId: tx });
      await send(d, T.transactionEnd, ['F'], { txId: tx });
    });
  });

  it('INTRODUCE, IS_DOMAIN_INTRODUCED, GET_DOMAIN_PATH and RELEASE, with @introduceDomain and @releaseDomain', async () => {
    const c = await sameAsC(async (d) => {
      await send(d, T.watch, ['@introduceDomain', 'in'], { connection: 1 });
      await send(d, T.watch, ['@releaseDomain', 'out'], { connection: 1 });
      await send(d, T.isDomainIntroduced, ['0']);
      await send(d, T.isDomainIntroduced, ['5']);
      await send(d, T.introduce, ['5', '12345', '7']);
      await send(d, T.isDomainIntroduced, ['5']);
      await send(d, T.introduce, ['5', '12345', '7']);
      await send(d, T.introduce, ['6', '12345', '0']);
      await send(d, T.getDomainPath, ['5']);
      await send(d, T.getDomainPath, ['70000']);
      await send(d, T.introduce, ['9', '1', '2', 'extra']);
      await send(d, T.release, ['5']);
      await send(d, T.isDomainIntroduced, ['5']);
      await send(d, T.release, ['5']);
      await send(d, T.release, ['0']);
      await send(d, T.release, ['x']);
      await send(d, T.release, []);
      await send(d, T.isDomainIntroduced, []);
      await send(d, T.isDomainIntroduced, ['70000']);
      await send(d, T.release, ['9']);
    });
    expect(shown(c[4])).toEqual(['introduce OK|', 'c1 watchEvent @introduceDomain|in|']);
    expect(shown(c[11])).toEqual(['release OK|', 'c1 watchEvent @releaseDomain|out|']);
  });

  it('RESUME and SET_TARGET: only for domains xenstored serves (ENOENT otherwise); RESUME never for dom0', async () => {
    const c = await sameAsC(async (d) => {
      for (const type of [T.resume, T.setTarget]) {
        for (const payload of [['5'], ['5', '6'], [], ['x'], ['0'], ['0', '0'], '5']) await send(d, type, payload);
      }
      await send(d, T.introduce, ['5', '1', '3']);
      await send(d, T.introduce, ['6', '1', '3']);
      for (const payload of [['5'], ['6'], ['7'], ['32752'], ['5', '6']]) await send(d, T.resume, payload);
      for (const payload of [['5', '6'], ['5', '7'], ['7', '5'], ['5', '0'], ['0', '5'], ['5', '6', 'extra'], ['5', '32752']]) await send(d, T.setTarget, payload);
      // (C keeps a domain that is some domain's target connected through RELEASE, so the release is of another one.)
      await send(d, T.introduce, ['8', '1', '3']);
      await send(d, T.release, ['8']);
      await send(d, T.resume, ['8']);
      await send(d, T.setTarget, ['5', '8']);
    });
    expect(shown(c[0])).toEqual(['error ENOENT|']);
    expect(shown(c[16])).toEqual(['resume OK|']);
    expect(shown(c[21])).toEqual(['setTarget OK|']);
  });
});

describe.skipIf(UNAVAILABLE !== undefined)('differential: deliberate divergences from C xenstored 4.17 still hold', () => {
  for (const [name, divergence] of Object.entries(DIVERGENT_REPLIES)) {
    it(`${name}: ${divergence.reason.slice(0, 80)}…`, async () => {
      const { c, ours } = await playAgainstBoth(async (d, server) => {
        for (const request of divergence.setup ?? []) await d.request(request);
        if (divergence.c || server === 'ours') await d.request(divergence.request);
      });
      const last = (steps: RecordedStep[]) => steps.at(-1)?.received.map(({ type, payload }) => ({ type, payload }));
      expect(last(ours)).toEqual([divergence.ours]);
      if (divergence.c) expect(last(c)).toEqual([divergence.c]);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { XsMessageType } from './message-type.js';
import { failed, LogicHarness, ok } from './testing/logic-harness.js';

async function twoClients() {
  const harness = await LogicHarness.open();
  const a = harness.client(0);
  const b = harness.client(0);
  await a.write('/t/x', '1');
  return { a, b };
}

describe('transactions', () => {
  it('start replies with a decimal id and commit makes the writes visible', async () => {
    const { a, b } = await twoClients();
    const reply = await a.send(XsMessageType.transactionStart, Buffer.from('\0', 'latin1'));
    expect(Buffer.from(reply.payload).toString('latin1')).toMatch(/^[1-9]\d*\0$/);
    const tx = Number(Buffer.from(reply.payload).toString('latin1').slice(0, -1));
    expect(await a.write('/t/x', '2', tx)).toEqual(ok());
    expect(await a.write('/t/new', 'n', tx)).toEqual(ok());
    expect(await a.read('/t/x', tx)).toEqual(ok('2'));
    expect(await a.directory('/t', tx)).toEqual(['x', 'new']);
    expect(await b.read('/t/x')).toEqual(ok('1'));
    expect(await a.read('/t/x')).toEqual(ok('1'));
    expect(await b.read('/t/new')).toEqual(failed('ENOENT'));
    expect(await a.endTransaction(tx, true)).toEqual(ok());
    expect(await b.read('/t/x')).toEqual(ok('2'));
    expect(await b.read('/t/new')).toEqual(ok('n'));
  });

  it('abort discards the writes', async () => {
    const { a } = await twoClients();
    const tx = await a.startTransaction();
    await a.rm('/t', tx);
    expect(await a.read('/t/x', tx)).toEqual(failed('ENOENT'));
    expect(await a.endTransaction(tx, false)).toEqual(ok());
    expect(await a.read('/t/x')).toEqual(ok('1'));
  });

  it('a commit conflicts (EAGAIN) when a node it read changed meanwhile, and nothing of it applies', async () => {
    const { a, b } = await twoClients();
    const tx = await a.startTransaction();
    expect(await a.read('/t/x', tx)).toEqual(ok('1'));
    await a.write('/t/y', 'mine', tx);
    await b.write('/t/x', 'theirs');
    expect(await a.endTransaction(tx, true)).toEqual(failed('EAGAIN'));
    expect(await b.read('/t/y')).toEqual(failed('ENOENT'));
    expect(await b.read('/t/x')).toEqual(ok('theirs'));
  });

  it('conflicts when a node it found missing was created, or when a listed directory changed', async () => {
    const { a, b } = await twoClients();
    const missing = await a.startTransaction();
    expect(await a.read('/t/later', missing)).toEqual(failed('ENOENT'));
    await b.write('/t/later', 'v');
    expect(await a.endTransaction(missing, true)).toEqual(failed('EAGAIN'));

    const listed = await a.startTransaction();
    await a.directory('/t', listed);
    await b.write('/t/another', 'v');
    expect(await a.endTransaction(listed, true)).toEqual(failed('EAGAIN'));
  });

  it('does not conflict over nodes it never touched', async () => {
    const { a, b } = await twoClients();
    const tx = await a.startTransaction();
    await a.write('/t/x', 'mine', tx);
    await b.write('/elsewhere', 'v');
    expect(await a.endTransaction(tx, true)).toEqual(ok());
  });

  it('keeps transactions apart per connection and refuses unknown ids with ENOENT', async () => {
    const { a, b } = await twoClients();
    const tx = await a.startTransaction();
    expect(await b.read('/t/x', tx)).toEqual(failed('ENOENT'));
    expect(await a.endTransaction(tx + 100, true)).toEqual(failed('ENOENT'));
    expect(await a.call(XsMessageType.transactionEnd, ['T'])).toEqual(failed('ENOENT'));
    expect(await a.call(XsMessageType.transactionEnd, ['X'], tx)).toEqual(failed('EINVAL'));
    expect(await a.call(XsMessageType.transactionStart, [''], tx)).toEqual(failed('EBUSY'));
    await a.endTransaction(tx, true);
    expect(await a.read('/t/x', tx)).toEqual(failed('ENOENT'));
  });

  it('a closed connection\'s transactions are gone', async () => {
    const harness = await LogicHarness.open();
    const a = harness.client(0);
    const tx = await a.startTransaction();
    harness.logic.disconnect(a.connection);
    expect(a.connection.transactions.has(tx)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { XsMessageType } from './message-type.js';
import type { XenstoreQuotas } from './quotas.js';
import { failed, LogicHarness, ok } from './testing/logic-harness.js';

async function guestWithQuotas(quotas: Partial<XenstoreQuotas>) {
  const harness = await LogicHarness.open({ quotas });
  const dom0 = harness.client(0);
  await dom0.mkdir('/local/domain/5');
  await dom0.setPerms('/local/domain/5', ['n5']);
  return { harness, dom0, guest: harness.client(5) };
}

describe('quotas', () => {
  it('limits the nodes a domain owns (ENOSPC), counting parents a write creates', async () => {
    const { guest } = await guestWithQuotas({ nodes: 4 });
    expect(await guest.write('a', '')).toEqual(ok());
    expect(await guest.write('b/c/d', '')).toEqual(failed('ENOSPC'));
    expect(await guest.write('b/c', '')).toEqual(ok());
    expect(await guest.write('e', '')).toEqual(failed('ENOSPC'));
    expect(await guest.rm('b')).toEqual(ok());
    expect(await guest.write('e', '')).toEqual(ok());
  });

  it('limits the size of a value (ENOSPC)', async () => {
    const { guest } = await guestWithQuotas({ valueSize: 8 });
    expect(await guest.write('v', '12345678')).toEqual(ok());
    expect(await guest.write('v', '123456789')).toEqual(failed('ENOSPC'));
  });

  it('limits watches (E2BIG) and open transactions (ENOSPC)', async () => {
    const { guest } = await guestWithQuotas({ watches: 1, transactions: 1 });
    expect(await guest.watch('a', 't1')).toEqual(ok());
    expect(await guest.watch('a', 't2')).toEqual(failed('E2BIG'));
    const tx = await guest.startTransaction();
    expect(await guest.call(XsMessageType.transactionStart, [''])).toEqual(failed('ENOSPC'));
    await guest.endTransaction(tx, false);
    expect(await guest.call(XsMessageType.transactionStart, [''])).not.toEqual(failed('ENOSPC'));
  });

  it('limits permission entries per node (ENOSPC)', async () => {
    const { guest } = await guestWithQuotas({ permissionsPerNode: 2 });
    await guest.write('p', '');
    expect(await guest.setPerms('p', ['n5', 'r1'])).toEqual(ok());
    expect(await guest.setPerms('p', ['n5', 'r1', 'r2'])).toEqual(failed('ENOSPC'));
  });

  it('limits requests in flight per domain (ENOSPC)', async () => {
    const { harness, guest } = await guestWithQuotas({ outstandingRequests: 2 });
    const send = (reqId: number) => harness.logic.handle(guest.connection, { type: XsMessageType.read, reqId, txId: 0, payload: Buffer.from('a\0', 'latin1') });
    const replies = await Promise.all([send(1), send(2), send(3)]);
    expect(replies.map(({ reply }) => Buffer.from(reply.payload).toString('latin1'))).toEqual(['ENOENT\0', 'ENOENT\0', 'ENOSPC\0']);
  });

  it('does not apply to dom0', async () => {
    const { dom0 } = await guestWithQuotas({ nodes: 1, valueSize: 1, watches: 0 });
    expect(await dom0.write('/x/y/z', 'long value')).toEqual(ok());
    expect(await dom0.watch('/x', 't')).toEqual(ok());
  });
});

import { describe, expect, it } from 'vitest';
import { XsMessageType } from './message-type.js';
import { failed, LogicHarness, ok } from './testing/logic-harness.js';

describe('XenstoreLogic dispatch', () => {
  it('echoes type, req_id and tx_id in replies, and sends ERROR with the errno name and a NUL', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    const tx = await dom0.startTransaction();
    const { reply } = await harness.logic.handle(dom0.connection, { type: XsMessageType.write, reqId: 0xfffffffe, txId: tx, payload: Buffer.from('/a\0v', 'latin1') });
    expect(reply).toMatchObject({ type: XsMessageType.write, reqId: 0xfffffffe, txId: tx });
    expect(Buffer.from(reply.payload).toString('latin1')).toBe('OK\0');
    const { reply: error } = await harness.logic.handle(dom0.connection, { type: XsMessageType.read, reqId: 5, txId: 0, payload: Buffer.from('/nope\0', 'latin1') });
    expect(error).toMatchObject({ type: XsMessageType.error, reqId: 5, txId: 0 });
    expect(Buffer.from(error.payload).toString('latin1')).toBe('ENOENT\0');
  });

  it.each([
    ['an unknown type', 999],
    ['WATCH_EVENT from a client', XsMessageType.watchEvent],
    ['the removed RESTRICT', 20],
    ['unsupported CONTROL', XsMessageType.control],
  ])('answers ENOSYS to %s', async (_name, type) => {
    const dom0 = (await LogicHarness.open()).client(0);
    expect(await dom0.call(type, ['x'])).toEqual(failed('ENOSYS'));
  });

  it('answers replies in request order when requests are pipelined', async () => {
    const harness = await LogicHarness.open();
    const dom0 = harness.client(0);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        harness.logic.handle(dom0.connection, { type: XsMessageType.write, reqId: index, txId: 0, payload: Buffer.from(`/p\0${index}`, 'latin1') }),
      ),
    );
    expect(replies.map(({ reply }) => reply.reqId)).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(await dom0.read('/p')).toEqual(ok('19'));
  });

  it('keeps domain management to dom0 (EACCES for guests)', async () => {
    const harness = await LogicHarness.open();
    const guest = harness.client(3);
    expect(await guest.call(XsMessageType.introduce, ['4', '0', '1'])).toEqual(failed('EACCES'));
    expect(await guest.call(XsMessageType.release, ['4'])).toEqual(failed('EACCES'));
    expect(await guest.call(XsMessageType.isDomainIntroduced, ['4'])).toEqual(failed('EACCES'));
    expect(await guest.call(XsMessageType.getDomainPath, ['4'])).toEqual(ok('/local/domain/4'));
  });

  it('introduces and releases domains', async () => {
    const dom0 = (await LogicHarness.open()).client(0);
    expect(await dom0.call(XsMessageType.isDomainIntroduced, ['4'])).toEqual(ok('F'));
    expect(await dom0.call(XsMessageType.isDomainIntroduced, ['0'])).toEqual(ok('T'));
    expect(await dom0.call(XsMessageType.introduce, ['4', '123', '7'])).toEqual(ok());
    expect(await dom0.call(XsMessageType.isDomainIntroduced, ['4'])).toEqual(ok('T'));
    expect(await dom0.call(XsMessageType.release, ['4'])).toEqual(ok());
    expect(await dom0.call(XsMessageType.release, ['4'])).toEqual(failed('ENOENT'));
    expect(await dom0.call(XsMessageType.introduce, ['0', '1', '1'])).toEqual(failed('EINVAL'));
    expect(await dom0.call(XsMessageType.introduce, ['4', '1', '0'])).toEqual(failed('EINVAL'));
    expect(await dom0.call(XsMessageType.getDomainPath, ['x'])).toEqual(failed('EINVAL'));
  });
});

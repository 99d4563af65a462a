import { describe, expect, it } from 'vitest';
import { InMemoryXenstoreState } from './in-memory-state.js';
import { XenstoreLogic } from './logic.js';
import { XsMessageType } from './message-type.js';
import { terminatedStrings } from './payload.js';
import type { XsMessage } from './wire.js';

const SESSION = '0.client';

function request(type: number, args: readonly string[], reqId: number, txId = 0): XsMessage {
  return { type, reqId, txId, payload: Buffer.from(args.map((arg) => `${arg}\0`).join(''), 'latin1') };
}

const text = (message: XsMessage) => Buffer.from(message.payload).toString('latin1');

/** A Logic instance "rolled back": a new one opened over the same state, the old one forgotten. */
async function rollBack(state: InMemoryXenstoreState): Promise<XenstoreLogic> {
  return XenstoreLogic.open({ state });
}

describe('XenStore-Logic sessions across a rollback', () => {
  it('answers a retried write with the recorded reply, without doing it again', async () => {
    const state = new InMemoryXenstoreState();
    const before = await XenstoreLogic.open({ state });
    const write = request(XsMessageType.write, ['/counter', '1'], 7);
    await before.handle(before.session(SESSION, 0), write, { seq: 1, acked: 0 });
    const generation = (await state.read('/counter'))?.generation;

    const after = await rollBack(state);
    const { reply, events } = await after.handle(after.session(SESSION, 0), write, { seq: 1, acked: 0 });
    expect(reply).toMatchObject({ type: XsMessageType.write, reqId: 7 });
    expect(text(reply)).toBe('OK\0');
    expect(events).toEqual([]);
    expect((await state.read('/counter'))?.generation).toBe(generation);
  });

  it('runs a retried RM again only if the first did not change the store', async () => {
    const state = new InMemoryXenstoreState();
    const before = await XenstoreLogic.open({ state });
    const session = before.session(SESSION, 0);
    await before.handle(session, request(XsMessageType.write, ['/gone', 'x'], 1), { seq: 1, acked: 0 });
    await before.handle(session, request(XsMessageType.rm, ['/gone'], 2), { seq: 2, acked: 1 });

    const after = await rollBack(state);
    const { reply } = await after.handle(after.session(SESSION, 0), request(XsMessageType.rm, ['/gone'], 2), { seq: 2, acked: 1 });
    expect(text(reply)).toBe('OK\0');
  });

  it('forgets recorded replies the client acknowledged', async () => {
    const state = new InMemoryXenstoreState();
    const logic = await XenstoreLogic.open({ state });
    const session = logic.session(SESSION, 0);
    await logic.handle(session, request(XsMessageType.write, ['/a', '1'], 1), { seq: 1, acked: 0 });
    await logic.handle(session, request(XsMessageType.write, ['/b', '2'], 2), { seq: 2, acked: 0 });
    expect([...((await state.session(SESSION))?.replies.keys() ?? [])]).toEqual([1, 2]);
    await logic.handle(session, request(XsMessageType.write, ['/c', '3'], 3), { seq: 3, acked: 2 });
    expect([...((await state.session(SESSION))?.replies.keys() ?? [])]).toEqual([3]);
  });

  it('dooms a transaction open at the rollback: its requests go on, its end is EAGAIN, and nothing of it is applied', async () => {
    const state = new InMemoryXenstoreState();
    const before = await XenstoreLogic.open({ state });
    const started = await before.handle(before.session(SESSION, 0), request(XsMessageType.transactionStart, [''], 1), { seq: 1, acked: 0 });
    const txId = Number(terminatedStrings(started.reply.payload)[0]);
    await before.handle(before.session(SESSION, 0), request(XsMessageType.write, ['/tx', 'lost'], 2, txId), { seq: 2, acked: 1 });

    const after = await rollBack(state);
    const session = after.session(SESSION, 0);
    const write = await after.handle(session, request(XsMessageType.write, ['/tx', 'again'], 3, txId), { seq: 3, acked: 2 });
    expect(text(write.reply)).toBe('OK\0');
    const end = await after.handle(session, request(XsMessageType.transactionEnd, ['T'], 4, txId), { seq: 4, acked: 3 });
    expect(end.reply.type).toBe(XsMessageType.error);
    expect(text(end.reply)).toBe('EAGAIN\0');
    expect(await state.read('/tx')).toBeUndefined();
    expect((await state.session(SESSION))?.transactions).toEqual([]);
  });

  it('keeps watches and fires each once after the rollback (an event may repeat, never go missing)', async () => {
    const state = new InMemoryXenstoreState();
    const before = await XenstoreLogic.open({ state });
    await before.handle(before.session(SESSION, 0), request(XsMessageType.watch, ['/watched', 'tok'], 1), { seq: 1, acked: 0 });

    const after = await rollBack(state);
    const resumed = after.resumedWatchEvents();
    expect(resumed.map(({ connection, message }) => [connection.sessionId, terminatedStrings(message.payload)])).toEqual([[SESSION, ['/watched', 'tok']]]);
    const writer = after.connect(0);
    const { events } = await after.handle(writer, request(XsMessageType.write, ['/watched/x', '1'], 1));
    expect(events.map(({ connection }) => connection.sessionId)).toEqual([SESSION]);
  });

  it('ends a session that is closed: its record goes, its watches stop', async () => {
    const state = new InMemoryXenstoreState();
    const logic = await XenstoreLogic.open({ state });
    const session = logic.session(SESSION, 0);
    await logic.handle(session, request(XsMessageType.watch, ['/w', 't'], 1), { seq: 1, acked: 0 });
    await logic.disconnect(session);
    expect(await state.session(SESSION)).toBeUndefined();
    expect((await rollBack(state)).resumedWatchEvents()).toEqual([]);
  });
});

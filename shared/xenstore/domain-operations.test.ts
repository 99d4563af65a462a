import { describe, expect, it } from 'vitest';
import { XenstoreConnection } from './connection.js';
import { introduce, resume, setTarget } from './domain-operations.js';
import { InMemoryXenstoreState } from './in-memory-state.js';
import { XsMessageType } from './message-type.js';
import type { Operation } from './operation.js';
import { DEFAULT_XENSTORE_QUOTAS } from './quotas.js';
import { TreeView } from './tree-view.js';

/**
 * RESUME and SET_TARGET, run straight on a view (their tests through the whole logic are the
 * differential ones): each answers with its reply text or its errno.
 */
async function withDomain5Introduced() {
  const state = new InMemoryXenstoreState();
  const view = new TreeView(state);
  const connection = new XenstoreConnection(0);
  const run = async (operation: Operation, type: number, payload: string): Promise<string> => {
    const request = { type, reqId: 1, txId: 0, payload: Buffer.from(payload, 'latin1') };
    const outcome = await operation.run({ connection, request, transaction: undefined, view, quotas: DEFAULT_XENSTORE_QUOTAS });
    return 'refused' in outcome ? outcome.refused : Buffer.from(outcome.reply).toString('latin1');
  };
  await run(introduce, XsMessageType.introduce, '5\0' + '1\0' + '3\0');
  return run;
}

describe('RESUME', () => {
  it('is for introduced domains only: OK for one, ENOENT for another, EINVAL for dom0 or a malformed id', async () => {
    const run = await withDomain5Introduced();
    const resumeOf = (payload: string) => run(resume, XsMessageType.resume, payload);
    expect(await resumeOf('5\0')).toBe('OK\0');
    expect(await resumeOf('6\0')).toBe('ENOENT');
    expect(await resumeOf('32752\0')).toBe('ENOENT');
    for (const malformed of ['0\0', 'x\0', '', '5', '5\0' + '6\0']) expect(await resumeOf(malformed)).toBe('EINVAL');
    expect(resume.privileged).toBe(true);
  });
});

describe('SET_TARGET', () => {
  it('needs both domains connected (dom0 or introduced), else ENOENT; fewer than two ids is EINVAL', async () => {
    const run = await withDomain5Introduced();
    const setTargetOf = (payload: string) => run(setTarget, XsMessageType.setTarget, payload);
    for (const pair of ['5\0' + '0\0', '0\0' + '5\0', '0\0' + '0\0', '5\0' + '5\0' + 'extra\0']) expect(await setTargetOf(pair)).toBe('OK\0');
    for (const pair of ['5\0' + '7\0', '7\0' + '5\0', '5\0' + '32752\0']) expect(await setTargetOf(pair)).toBe('ENOENT');
    for (const malformed of ['5\0', '', '5\0' + '6', 'x\0' + '5\0']) expect(await setTargetOf(malformed)).toBe('EINVAL');
    expect(setTarget.privileged).toBe(true);
  });
});

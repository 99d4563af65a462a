import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XenstoreStateLogCorruptError } from './errors.js';
import { InMemoryXenstoreState } from './in-memory-state.js';
import { decodeImage, encodeCommit } from './state-codec.js';
import type { WireCommit } from './state-codec.js';
import { XenstoreStateLog } from './state-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xoar-state-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function put(path: string, value: string, expectGeneration?: number): WireCommit {
  return encodeCommit({
    expect: expectGeneration === undefined ? [] : [{ path, generation: expectGeneration }],
    changes: [{ path, content: { value: Buffer.from(value), perms: [{ domid: 0, access: 'n' }], children: [] } }],
    domains: [],
  });
}

async function valueAt(log: XenstoreStateLog, path: string): Promise<string | undefined> {
  const { image } = await log.takeOver();
  const node = await InMemoryXenstoreState.fromImage(decodeImage(image)).read(path);
  return node === undefined ? undefined : Buffer.from(node.value).toString();
}

describe('XenstoreStateLog', () => {
  it('keeps every acknowledged batch across a reopen (the process died after the ack)', async () => {
    const log = await XenstoreStateLog.open(dir);
    const { epoch } = await log.takeOver();
    expect(await log.append(epoch, 1, [put('/a', '1')])).toEqual({ accepted: true, conflicts: [] });
    expect(await log.append(epoch, 2, [put('/a', '2'), put('/b', 'x')])).toEqual({ accepted: true, conflicts: [] });
    const reopened = await XenstoreStateLog.open(dir);
    expect(await valueAt(reopened, '/a')).toBe('2');
    expect(await valueAt(reopened, '/b')).toBe('x');
  });

  it('stamps the same generations after a reopen as before it', async () => {
    const log = await XenstoreStateLog.open(dir);
    const { epoch, image } = await log.takeOver();
    await log.append(epoch, 1, [put('/a', '1')]);
    const mirror = InMemoryXenstoreState.fromImage(decodeImage(image));
    mirror.apply({ expect: [], changes: [{ path: '/a', content: { value: Buffer.from('1'), perms: [{ domid: 0, access: 'n' }], children: [] } }], domains: [] });
    const reopened = await XenstoreStateLog.open(dir);
    const stored = InMemoryXenstoreState.fromImage(decodeImage((await reopened.takeOver()).image));
    expect((await stored.read('/a'))?.generation).toBe((await mirror.read('/a'))?.generation);
  });

  it('cuts off an incomplete last line (a crash mid-append, never acknowledged) and keeps the rest', async () => {
    const log = await XenstoreStateLog.open(dir, { compactAfterBytes: Number.MAX_SAFE_INTEGER });
    const { epoch } = await log.takeOver();
    await log.append(epoch, 1, [put('/kept', 'yes')]);
    await log.close();
    appendFileSync(join(dir, 'commits.log'), '{"epoch":1,"batch":2,"commits":[{"exp');
    const reopened = await XenstoreStateLog.open(dir);
    expect(await valueAt(reopened, '/kept')).toBe('yes');
    expect(readFileSync(join(dir, 'commits.log'), 'utf8')).not.toContain('"batch":2');
  });

  it('refuses to start on a damaged line in the middle, naming the file and line', async () => {
    writeFileSync(join(dir, 'commits.log'), 'garbage\n{"epoch":1,"batch":0,"commits":[]}\n');
    const opened = XenstoreStateLog.open(dir);
    await expect(opened).rejects.toBeInstanceOf(XenstoreStateLogCorruptError);
    await expect(opened).rejects.toThrow(/commits\.log, line 1/);
  });

  it('refuses batches of a writer that was replaced, and applies a repeated batch once', async () => {
    const log = await XenstoreStateLog.open(dir);
    const old = await log.takeOver();
    const current = await log.takeOver();
    expect(await log.append(old.epoch, 1, [put('/stale', 'x')])).toEqual({ accepted: false, conflicts: [] });
    expect(await log.append(current.epoch, 1, [put('/n', '1')])).toEqual({ accepted: true, conflicts: [] });
    expect(await log.append(current.epoch, 1, [put('/n', '1', 999)])).toEqual({ accepted: true, conflicts: [] });
    expect(await valueAt(log, '/stale')).toBeUndefined();
    expect(await valueAt(log, '/n')).toBe('1');
  });

  it('reports a commit whose expectation does not hold, and applies the others', async () => {
    const log = await XenstoreStateLog.open(dir);
    const { epoch } = await log.takeOver();
    expect(await log.append(epoch, 1, [put('/a', '1'), put('/b', '1', 42)])).toEqual({ accepted: true, conflicts: [1] });
    expect(await valueAt(log, '/a')).toBe('1');
    expect(await valueAt(log, '/b')).toBeUndefined();
  });

  it('compacts the log into the image once it grows past its limit, losing nothing', async () => {
    const log = await XenstoreStateLog.open(dir, { compactAfterBytes: 1_000 });
    const { epoch } = await log.takeOver();
    for (let batch = 1; batch <= 30; batch++) await log.append(epoch, batch, [put(`/k${batch}`, 'v'.repeat(50))]);
    expect(readFileSync(join(dir, 'commits.log'), 'utf8').length).toBeLessThan(1_000);
    const reopened = await XenstoreStateLog.open(dir);
    expect(await valueAt(reopened, '/k1')).toBe('v'.repeat(50));
    expect(await valueAt(reopened, '/k30')).toBe('v'.repeat(50));
  });
});

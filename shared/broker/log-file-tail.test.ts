import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogFileTail } from './log-file-tail.js';
import { ServerLog } from './server-log.js';

describe('LogFileTail', () => {
  let dir: string;
  let path: string;
  const tails: LogFileTail[] = [];

  const follow = async (log = new ServerLog()) => {
    // A poll interval far longer than any test: every read here comes from catchUp().
    const tail = await LogFileTail.open(path, log, { pollIntervalMs: 3_600_000 });
    tails.push(tail);
    return { tail, log };
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-tail-'));
    path = join(dir, 'server.log');
    await writeFile(path, 'old line 1\nold line 2\n');
  });

  afterEach(async () => {
    for (const tail of tails.splice(0)) tail.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts at the end: only lines appended after opening are read', async () => {
    const { tail, log } = await follow();
    await appendFile(path, 'new line 1\nnew line 2\n');
    await tail.catchUp();
    expect(log.recent()).toEqual(['new line 1', 'new line 2']);
  });

  it('holds a line back until its end is written, across reads and split UTF-8 characters', async () => {
    const { tail, log } = await follow();
    const bytes = Buffer.from('héllo\r\n');
    await appendFile(path, bytes.subarray(0, 2));
    await tail.catchUp();
    expect(log.recent()).toEqual([]);
    await appendFile(path, bytes.subarray(2));
    await tail.catchUp();
    expect(log.recent()).toEqual(['héllo']);
  });

  it('reads a truncated file again from its start', async () => {
    const { tail, log } = await follow();
    await truncate(path, 0);
    await appendFile(path, 'after truncation\n');
    await tail.catchUp();
    expect(log.recent()).toEqual(['after truncation']);
  });

  it('follows a rotated file: the new file at the path is read from its start', async () => {
    const { tail, log } = await follow();
    await appendFile(path, 'last before rotation\n');
    await tail.catchUp();
    await rename(path, `${path}.1`);
    await writeFile(path, 'first after rotation, a longer line than before\n');
    await tail.catchUp();
    expect(log.recent()).toEqual(['last before rotation', 'first after rotation, a longer line than before']);
  });

  it('notes a vanished file once in the log and resumes when it is back', async () => {
    const { tail, log } = await follow();
    await rm(path);
    await tail.catchUp();
    await tail.catchUp();
    expect(log.recent()).toHaveLength(1);
    expect(log.recent()[0]).toMatch(/^\[xoar\] cannot read .*server\.log: .*ENOENT/);
    await writeFile(path, 'back\n');
    await tail.catchUp();
    expect(log.recent().at(-1)).toBe('back');
  });

  it('reads nothing more once closed', async () => {
    const { tail, log } = await follow();
    tail.close();
    tail.close();
    await appendFile(path, 'ignored\n');
    await tail.catchUp();
    expect(log.recent()).toEqual([]);
  });

  it('polls on its own', async () => {
    const log = new ServerLog();
    const tail = await LogFileTail.open(path, log, { pollIntervalMs: 10 });
    tails.push(tail);
    const line = new Promise((resolve) => log.onLine(resolve));
    await appendFile(path, 'polled\n');
    expect(await line).toBe('polled');
  });

  it('refuses a file that does not exist', async () => {
    await expect(LogFileTail.open(join(dir, 'missing.log'), new ServerLog())).rejects.toThrow(/ENOENT/);
  });
});

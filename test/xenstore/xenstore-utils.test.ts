import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, serveXenstore } from './support/served-xenstore.js';
import type { ServedXenstore, ToolResult } from './support/served-xenstore.js';

describe('xenstore-utils against our XenStore', () => {
  let store: ServedXenstore;
  const tool = (name: string, ...args: string[]): Promise<ToolResult> => run(`xenstore-${name}`, args, store.env);

  beforeAll(async () => {
    store = await serveXenstore();
    const probe = await run('sh', ['-c', 'command -v xenstore-read'], process.env);
    if (probe.code !== 0) throw new Error('xenstore-utils is not installed: npm run setup');
  });
  afterAll(() => store.close());

  it('xenstore-write then xenstore-read, several paths at once (in a transaction)', async () => {
    expect(await tool('write', '/vm/1/name', 'guest-one', '/vm/1/memory', '512')).toMatchObject({ code: 0 });
    expect(await tool('read', '/vm/1/name', '/vm/1/memory')).toEqual({ code: 0, stdout: 'guest-one\n512\n', stderr: '' });
  });

  it('xenstore-read of a missing path fails', async () => {
    const result = await tool('read', '/vm/none');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("couldn't read path /vm/none");
  });

  it('xenstore-exists answers by exit status', async () => {
    await tool('write', '/ex/here', '');
    expect((await tool('exists', '/ex/here')).code).toBe(0);
    expect((await tool('exists', '/ex/absent')).code).toBe(1);
  });

  it('xenstore-list and xenstore-list -p list children', async () => {
    await tool('write', '/ls/b', '2', '/ls/a', '1');
    expect((await tool('list', '/ls')).stdout).toBe('b\na\n');
    expect((await tool('list', '-p', '/ls')).stdout).toBe('/ls/b\n/ls/a\n');
  });

  it('xenstore-ls prints the tree with values, and permissions with -p', async () => {
    await tool('write', '/tree/x/y', 'deep', '/tree/z', 'top');
    expect((await tool('ls', '/tree')).stdout).toBe('x = ""\n y = "deep"\nz = "top"\n');
    expect((await tool('ls', '-p', '/tree')).stdout).toMatch(/^x = "".*\(n0\)\n y = "deep".*\(n0\)\nz = "top".*\(n0\)\n$/);
  });

  it('xenstore-ls pages a directory too big for one reply with DIRECTORY_PART', async () => {
    const names = Array.from({ length: 400 }, (_, index) => `n${String(index).padStart(20, '0')}`);
    for (let start = 0; start < names.length; start += 100) {
      await tool('write', ...names.slice(start, start + 100).flatMap((name) => [`/wide/${name}`, '']));
    }
    const listed = (await tool('ls', '/wide')).stdout.trim().split('\n');
    expect(listed).toEqual(names.map((name) => `${name} = ""`));
  });

  it('xenstore-chmod sets permissions, recursively with -r', async () => {
    await tool('write', '/perm/a/b', 'v');
    expect((await tool('chmod', '/perm/a', 'n0', 'r3')).code).toBe(0);
    expect((await tool('ls', '-p', '/perm')).stdout).toMatch(/a = "".*\(n0,r3\)\n b = "v".*\(n0\)/);
    expect((await tool('chmod', '-r', '/perm', 'b7')).code).toBe(0);
    expect((await tool('ls', '-p', '/perm')).stdout).toMatch(/a = "".*\(b7\)\n b = "v".*\(b7\)/);
  });

  it('xenstore-rm removes a subtree; removing a missing child of an existing node succeeds', async () => {
    await tool('write', '/gone/a/b', 'v', '/gone/keep', 'k');
    expect((await tool('rm', '/gone/a')).code).toBe(0);
    expect((await tool('list', '/gone')).stdout).toBe('keep\n');
    expect((await tool('rm', '/gone/a')).code).toBe(0);
    expect((await tool('rm', '/gone/a/b')).code).not.toBe(0);
  });

  it('xenstore-rm -t also removes emptied parents', async () => {
    await tool('write', '/tidy/one/two', 'v');
    expect((await tool('rm', '-t', '/tidy/one/two')).code).toBe(0);
    expect((await tool('exists', '/tidy')).code).toBe(1);
  });

  it('xenstore-watch prints the initial event, then each change at or below the watched path', async () => {
    const watcher = spawn('xenstore-watch', ['/watched'], { env: store.env });
    try {
      const lines = linesOf(watcher);
      expect(await lines.next()).toBe('/watched');
      await tool('write', '/watched/child', 'v');
      expect(await lines.next()).toBe('/watched/child');
      await tool('write', '/unrelated', 'v');
      await tool('rm', '/watched');
      expect(await lines.next()).toBe('/watched');
    } finally {
      watcher.kill();
    }
  });
});

/** Reads a child's stdout line by line, waiting for lines not yet printed. */
function linesOf(child: ChildProcessWithoutNullStreams): { next(): Promise<string> } {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return {
    next: () => {
      const line = lines.shift();
      return line === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(line);
    },
  };
}

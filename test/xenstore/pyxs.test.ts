import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, serveXenstore } from './support/served-xenstore.js';
import type { ServedXenstore } from './support/served-xenstore.js';

/** Debian's python3-pyxs is installed for the system interpreter, which a pyenv python3 would shadow. */
const SYSTEM_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pyxs-conformance.py');

describe('pyxs (python3-pyxs) against our XenStore', () => {
  let store: ServedXenstore;
  let seen: Record<string, unknown>;

  beforeAll(async () => {
    store = await serveXenstore();
    const result = await run(SYSTEM_PYTHON, [SCRIPT], store.env);
    if (result.code !== 0) throw new Error(`pyxs script failed (is python3-pyxs installed? npm run setup):\n${result.stderr}`);
    seen = JSON.parse(result.stdout) as Record<string, unknown>;
  });
  afterAll(() => store.close());

  it('reads, writes, makes directories, removes and lists', () => {
    expect(seen).toMatchObject({
      read: 'hello',
      read_missing: 'ENOENT',
      read_default: 'fallback',
      list: ['a', 'dir'],
      exists: [true, false],
      after_rm: ['a'],
      domain_path: '/local/domain/3',
    });
  });

  it('sets and gets permissions', () => {
    expect(seen['perms']).toEqual(['n0', 'r5']);
  });

  it('commits a transaction others see only afterwards', () => {
    expect(seen).toMatchObject({ tx_isolated: '<absent>', tx_commit: true, tx_visible: 'committed' });
  });

  it('reports a conflicting commit (EAGAIN) as a failed commit, applying nothing', () => {
    expect(seen).toMatchObject({ tx_conflict_commit: false, tx_conflict_lost: '<absent>' });
  });

  it('discards a rolled back transaction', () => {
    expect(seen['tx_rollback']).toBe('<absent>');
  });

  it('serves concurrent requests multiplexed on one connection', () => {
    expect(seen['parallel']).toEqual(Array.from({ length: 64 }, (_, index) => `value-${index}`));
  });

  it('delivers the initial watch event, then one per change', () => {
    expect(seen['watch_events']).toEqual([
      ['/py/watched', 'token'],
      ['/py/watched/child', 'token'],
    ]);
  });
});

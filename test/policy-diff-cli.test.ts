import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../shared/project-root.js';

const CLI = join(projectRoot(), 'dist', 'services', 'cli', 'main.js');
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' };
const POLICIES = join(projectRoot(), 'policies');
const DEFAULT = join(POLICIES, 'default.json');

function xoar(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: ENV, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

describe('xoar policy diff', () => {
  let dir: string;
  /** The default policy with a slower heartbeat, higher XenStore quotas, a slower block rollback, and a block backend of its own for globex. */
  let modified: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'xoar-policy-diff-'));
    const policy = JSON.parse(readFileSync(DEFAULT, 'utf8'));
    policy['pci'] = { fixture: join(POLICIES, policy['pci']['fixture']) };
    policy['watchdog']['heartbeat'] = '500ms';
    policy['xenstore'] = { quotas: { nodes: 2000 } };
    const blk = policy['services'].find((service: { id: string }) => service.id === 'blk-shared');
    blk['serves'] = { tenants: ['acme'] };
    blk['restart'] = { every: '20s' };
    policy['services'].push({ id: 'blk-globex', role: 'block', serves: { tenants: ['globex'] } });
    modified = join(dir, 'modified.json');
    writeFileSync(modified, JSON.stringify(policy, null, 2));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says "no changes" for identical policies, exit 0', () => {
    const result = xoar('policy', 'diff', DEFAULT, DEFAULT);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('no changes\n');
    expect(xoar('policy', 'diff', DEFAULT, DEFAULT, '--json').json()).toMatchObject({ identical: true, liveApplicable: true, needsRestart: [] });
  });

  it('prints the changed sections as +/- lines, and what needs a host restart, exit 0', () => {
    const result = xoar('policy', 'diff', DEFAULT, modified);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toEqual(expect.arrayContaining(['host', '  - /watchdog/heartbeatMs: 250', '  + /watchdog/heartbeatMs: 500', '  + /xenstore/quotas/nodes: 2000']));
    expect(lines).toEqual(expect.arrayContaining(['sharing', '  - blk-shared serves db', '  + blk-globex serves db', '  + db is served by blk-globex', '  - db is served by blk-shared']));
    expect(lines).toContain('  + principal blk-globex');
    expect(lines).toContain('  blk-shared: /services/blk-shared/restart');
    expect(result.stdout).toMatch(/^ {2}\/xenstore\/quotas\/nodes: xenstore-logic's clean snapshot holds the quotas/m);
    expect(result.stdout).toMatch(/^ {2}\/services\/blk-globex: service VMs start with the host/m);
    expect(lines.at(-2)).toBe('cannot be applied live: restart the host with it');
    // Nothing changed in tenants or privileges: no section for them.
    expect(lines).not.toContain('tenants');
    expect(lines).not.toContain('privileges');
  });

  it('--json prints the diff', () => {
    const result = xoar('policy', 'diff', DEFAULT, modified, '--json');
    expect(result.code).toBe(0);
    const diff = result.json();
    expect(diff).toMatchObject({
      identical: false,
      host: [
        { path: '/watchdog/heartbeatMs', before: 250, after: 500 },
        { path: '/xenstore/quotas/nodes', before: 1000, after: 2000 },
      ],
      sharing: { services: [{ service: 'blk-shared', gained: [], lost: ['db'] }, { service: 'blk-globex', gained: ['db'], lost: [] }] },
      permissions: { added: ['blk-globex'], removed: [] },
      liveApplicable: false,
      reconfigure: [{ service: 'blk-shared', paths: ['/services/blk-shared/restart'] }],
    });
    expect(diff['needsRestart'].map(({ what }: { what: string }) => what)).toEqual(['/watchdog/heartbeatMs', '/xenstore/quotas/nodes', '/services/blk-globex']);
  });

  it('refuses an invalid policy with the usual listing, exit 3', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ version: 1, host: { name: 'bad', driver: 'process' }, services: [{ id: 'boot', role: 'bootloader' }] }));
    const result = xoar('policy', 'diff', DEFAULT, bad);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(bad);
    expect(result.stderr).toContain('/services/0/role');
    expect(xoar('policy', 'diff', bad, DEFAULT, '--json').json()).toMatchObject({ ok: false, error: { code: 'policy-invalid' } });
  });

  it('between two example policies: a shared backend split per tenant needs a host restart', () => {
    const result = xoar('policy', 'diff', join(POLICIES, 'all-shared.json'), join(POLICIES, 'per-tenant.json'), '--json');
    expect(result.code).toBe(0);
    const diff = result.json();
    expect(diff['services']['removed'].map(({ id }: { id: string }) => id)).toEqual(['toolstack', 'blk', 'net']);
    expect(diff['services']['added'].map(({ id }: { id: string }) => id)).toEqual(['ts-bank', 'ts-shop', 'blk-bank', 'blk-shop', 'net-bank', 'net-shop']);
    expect(diff['sharing']['services']).toContainEqual({ service: 'blk', gained: [], lost: ['web', 'mail', 'db'] });
    expect(diff['sharing']['services']).toContainEqual({ service: 'blk-bank', gained: ['bank-app', 'bank-ledger'], lost: [] });
    expect(diff['tenants']['added']).toContainEqual({ id: 'bank', isolated: true });
    expect(diff['liveApplicable']).toBe(false);
    expect(diff['needsRestart']).toContainEqual({ what: '/host/name', reason: expect.stringContaining('every broker subject') });
  });
});

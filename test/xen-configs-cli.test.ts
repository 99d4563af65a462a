import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../shared/project-root.js';

const CLI = join(projectRoot(), 'dist', 'services', 'cli', 'main.js');
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' };
const LAB_POLICY = join(projectRoot(), 'deploy', 'xen', 'lab', 'lab-policy.json');

function xoar(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: ENV, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('xoar policy xen-configs', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'xoar-xen-configs-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("writes each service VM's domain config as the xen driver makes it: driver domains, labels, the shared root disk, kept disks", () => {
    const result = xoar('policy', 'xen-configs', LAB_POLICY, '--out', out, '--state-dir', '/var/lib/xoar', '--json');
    expect(result.code).toBe(0);
    const configs = (JSON.parse(result.stdout) as { configs: Array<{ service: string; file: string }> }).configs;
    expect(configs.map((c) => c.service)).toEqual(['boot', 'xs-state', 'xs-logic', 'builder', 'toolstack', 'blk', 'net']);
    expect(readdirSync(out).sort()).toEqual(configs.map((c) => `lab-${c.service}.cfg`).sort());
    const blk = readFileSync(join(out, 'lab-blk.cfg'), 'utf8');
    expect(blk).toContain('name = "lab-blk-1"');
    expect(blk).toContain('driver_domain = 1');
    expect(blk).toContain('seclabel = "system_u:system_r:xoar_blk_t"');
    expect(blk).toContain('memory = 192');
    expect(blk).toMatch(/^disk = \[ "format=raw,vdev=xvda,access=ro,target=.*\/\.xen-lab\/out\/service-root\.img", "format=raw,vdev=xvdb,access=rw,target=\/var\/lib\/xoar\/lab\/xen\/disks\/blk\.img" \]$/m);
    expect(blk).toMatch(/ramdisk = ".*\/\.xen-lab\/out\/service\.cpio\.gz"/);
    const builder = readFileSync(join(out, 'lab-builder.cfg'), 'utf8');
    expect(builder).not.toContain('driver_domain');
    expect(builder).toMatch(/^disk = \[ "format=raw,vdev=xvda,access=ro,target=[^"]*service-root\.img" \]$/m);
  });

  it('refuses a policy on the process driver, and says how to fix it', () => {
    const result = xoar('policy', 'xen-configs', join(projectRoot(), 'policies', 'default.json'), '--out', out);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('runs its service VMs on the process driver');
    expect(result.stderr).toContain('set host.driver to "xen"');
  });
});

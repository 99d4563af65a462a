import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyInvalidError, PolicyNotFoundError } from './errors.js';
import type { PolicyIssue } from './errors.js';
import { loadPolicy } from './load-policy.js';
import type { HostPolicy } from './types.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const policies = fileURLToPath(new URL('../../policies/', import.meta.url));

async function issuesOf(file: string): Promise<readonly PolicyIssue[]> {
  const error = await loadPolicy(file).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PolicyInvalidError);
  return (error as PolicyInvalidError).issues;
}

describe('loadPolicy: the default policy', () => {
  let policy: HostPolicy;
  beforeAll(async () => {
    policy = await loadPolicy(join(policies, 'default.json'));
  });

  it('reads the host and converts timings to milliseconds', () => {
    expect(policy.version).toBe(1);
    expect(policy.host).toEqual({ name: 'demo', driver: 'process' });
    expect(policy.watchdog).toEqual({ heartbeatMs: 250, timeoutMs: 2_000, startTimeoutMs: 10_000 });
    expect(policy.restartBudget).toEqual({ maxRestarts: 5, windowMs: 60_000, backoffInitialMs: 100, backoffMaxMs: 5_000 });
  });

  it('resolves the PCI fixture against the policy file', () => {
    expect(policy.pci).toEqual({ kind: 'fixture', path: join(policies, 'fixtures', 'pci-demo.json') });
  });

  it("lays out the paper's services with their schedules and devices, defaulting the rest", () => {
    expect(policy.services).toEqual([
      { id: 'boot', role: 'boot', restart: { kind: 'never' }, devices: [], uses: [], serves: 'none', limits: {} },
      { id: 'pci', role: 'pci-config', restart: { kind: 'never' }, devices: [], uses: [], serves: 'none', limits: {} },
      { id: 'xs-state', role: 'xenstore-state', restart: { kind: 'never' }, devices: [], uses: [], serves: 'none', limits: {} },
      { id: 'xs-logic', role: 'xenstore-logic', restart: { kind: 'every', periodMs: 60_000 }, devices: [], uses: [], serves: 'none', limits: {} },
      { id: 'builder', role: 'builder', restart: { kind: 'onRequest' }, devices: [], uses: [], serves: 'none', limits: {} },
      { id: 'toolstack', role: 'toolstack', restart: { kind: 'never' }, devices: [], uses: [], serves: 'all', limits: {} },
      { id: 'blk-shared', role: 'block', restart: { kind: 'every', periodMs: 10_000 }, devices: ['0000:00:04.0'], uses: [], serves: 'all', limits: {} },
      { id: 'net-shared', role: 'network', restart: { kind: 'every', periodMs: 15_000 }, devices: ['0000:00:03.0'], uses: [], serves: 'all', limits: {} },
    ]);
    expect(policy.source).toBe(join(policies, 'default.json'));
  });
});

describe('loadPolicy: defaults', () => {
  it('fills in the watchdog, restart budget, driver and restart schedules a YAML policy leaves out', async () => {
    const policy = await loadPolicy(join(fixtures, 'valid.yaml'));
    expect(policy.host).toEqual({ name: 'tiny', driver: 'process' });
    expect(policy.watchdog).toEqual({ heartbeatMs: 250, timeoutMs: 2_000, startTimeoutMs: 10_000 });
    expect(policy.restartBudget).toEqual({ maxRestarts: 5, windowMs: 60_000, backoffInitialMs: 100, backoffMaxMs: 5_000 });
    expect(policy.pci).toEqual({ kind: 'fixture', path: join(policies, 'fixtures', 'pci-demo.json') });
    expect(policy.services.map((service) => service.restart)).toEqual([{ kind: 'never' }, { kind: 'never' }, { kind: 'every', periodMs: 90_000 }]);
  });
});

describe('loadPolicy: invalid policies', () => {
  it.each([
    // file, pointer, line, message fragment, hint fragment
    ['unknown-property.json', '/services/3', 8, 'unknown property "restarts"', 'did you mean "restart"?'],
    ['unknown-role.json', '/services/3/role', 8, '"blocks" is not one of "boot", "pci-config", "xenstore-state"', 'did you mean "block"?'],
    ['restart-unknown.json', '/services/3/restart', 8, '"sometimes" is not one of "never", "onRequest"', 'onRequest'],
    ['bad-version.json', '/version', 2, 'must be 1, not 2', 'version'],
    ['missing-role.json', '/services/1', 6, 'missing required property "role"', 'dom0 job'],
    ['pci-both.json', '/pci', 4, 'must have exactly one of "sysfs", "fixture"', 'sysfs'],
    ['bad-duration.json', '/watchdog/heartbeat', 4, 'duration "250" has no unit', 'followed by ms, s, m or h'],
    ['zero-period.json', '/services/3/restart/every', 8, 'duration "0s" is zero', 'longer than 0'],
    ['timeout-before-heartbeat.json', '/watchdog/timeout', 4, 'watchdog timeout 1s is not longer than the heartbeat 2s', 'several heartbeats'],
    ['bad-host.json', '/host/name', 3, 'host name "my host" is not a subject token', 'letters, digits'],
    ['duplicate-id.json', '/services/3/id', 8, 'duplicate service id "xs-logic" (first at /services/2)', 'unique id'],
    ['reserved-id.json', '/services/3/id', 8, 'service id "operator" is reserved', 'choose another id'],
    ['bad-id.json', '/services/3/id', 8, 'service id "blk.shared" is not a subject token', 'letters, digits'],
    ['two-boots.json', '/services/3/role', 8, 'another "boot" service; a host has exactly one (first at /services/0)', 'remove this service'],
    ['no-xenstore-state.json', '/services', 4, 'no "xenstore-state" service; a host needs at least one', '"role": "xenstore-state"'],
    ['unknown-uses.json', '/services/3/uses/0', 8, 'uses unknown service "xs-logik"', 'did you mean "xs-logic"?'],
    ['bad-bdf.json', '/services/3/devices/0', 8, '"00:04.0" is not a PCI address', '0000:00:04.0'],
    ['device-twice.json', '/services/4/devices/0', 9, 'device 0000:00:04.0 is also assigned to "blk" (/services/3)', 'one driver VM'],
    ['device-on-builder.json', '/services/3/devices', 8, 'a "builder" service cannot hold PCI devices', 'block, network'],
    ['disposable-restart.json', '/services/3/restart', 8, 'a "pci-config" service is disposed of once its job is done, so it cannot restart', '"never"'],
    ['duplicate-key.json', '/services/1', 6, 'property "role" appears twice', 'keep one'],
    ['syntax-error.json', '', 6, "json syntax: Expected ',' or ']' after array element", 'syntax'],
    ['unknown-property.yaml', '/services/2', 11, 'unknown property "restarts"', 'did you mean "restart"?'],
    ['bad-duration.yaml', '/restartBudget/within', 6, 'duration "1 minute" contains white space', 'followed by ms, s, m or h'],
    ['duplicate-key.yaml', '/services/2', 9, 'property "role" appears twice', 'keep one'],
    ['syntax-error.yaml', '', 7, 'yaml syntax: All sequence items must start at the same column', 'syntax'],
  ])('%s: %s (line %i)', async (name, pointer, line, message, hint) => {
    const file = join(fixtures, name);
    const issues = await issuesOf(file);
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue).toMatchObject({ file, pointer, line });
    expect(issue?.message).toContain(message);
    expect(issue?.hint).toContain(hint);
  });

  it('collects every problem in one error, in file order, and lists each as file:line pointer — message (hint)', async () => {
    const file = join(fixtures, 'many-problems.json');
    const error = await loadPolicy(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyInvalidError);
    const { issues, message, code } = error as PolicyInvalidError;
    expect(code).toBe('policy-invalid');
    expect(issues.map((issue) => [issue.pointer, issue.line])).toEqual([
      ['/services/2/uses/0', 7],
      ['/services/3/id', 8],
      ['/services/4/restart', 9],
    ]);
    expect(message).toContain(`policy ${file} has 3 problems:`);
    expect(message).toContain(`${file}:8 /services/3/id — service id "supervisor" is reserved for a broker principal (choose another id;`);
  });

  it('reports every structural problem of a YAML file with its line, without noise from schema branches', async () => {
    const issues = await issuesOf(join(fixtures, 'structure-errors.yaml'));
    expect(issues.map(({ line, pointer, message }) => [line, pointer, message])).toEqual([
      [2, '/host/driver', '"hyperv" is not one of "process", "xen"'],
      [3, '/restartBudget/maxRestarts', 'must be at least 0, not -1'],
      [5, '/services/0/restart', 'must be a string or an object, not the number 5'],
      [6, '/services/1/restart/every', 'duration "10x" has unknown unit "x"'],
      [7, '/services/2/restart', 'missing required property "every"'],
      [7, '/services/2/devices', 'lists "0000:00:04.0" twice (items 0 and 1)'],
    ]);
  });

  it('refuses a file whose type it cannot tell', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xoar-policy-'));
    try {
      const file = join(dir, 'host.toml');
      await copyFile(join(fixtures, 'valid.yaml'), file);
      const issues = await issuesOf(file);
      expect(issues).toEqual([{ file, pointer: '', message: 'unknown policy file type', hint: 'name the file *.json, *.yaml or *.yml' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadPolicy: unreadable files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['a missing file', () => join(dir, 'absent.json')],
    ['a directory', () => dir],
  ])('throws PolicyNotFoundError for %s, with a hint', async (_, path) => {
    const file = path();
    const error = await loadPolicy(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyNotFoundError);
    expect(error).toMatchObject({ code: 'policy-not-found', file, message: `cannot read policy ${file}` });
    expect((error as PolicyNotFoundError).hint).toContain('--policy');
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../services/supervisor/supervisor.js';
import { loadPolicy } from '../shared/policy/load-policy.js';
import { isDisposable, roles } from '../shared/policy/roles.js';
import { projectRoot } from '../shared/project-root.js';
import { eventually } from './support/test-host.js';

const POLICIES = join(projectRoot(), 'policies');
const EXAMPLES = ['paper.json', 'all-shared.json', 'per-tenant.json'];

describe('the policies in policies/', () => {
  it.each(readdirSync(POLICIES).filter((name) => name.endsWith('.json')))('%s loads without problems', async (name) => {
    const policy = await loadPolicy(join(POLICIES, name));
    expect(policy.services.length).toBeGreaterThan(0);
  });

  it('each has a host name of its own', async () => {
    const names = await Promise.all(readdirSync(POLICIES).filter((name) => name.endsWith('.json')).map(async (name) => (await loadPolicy(join(POLICIES, name))).host.name));
    expect(new Set(names).size).toBe(names.length);
  });
});

// One host at a time: each boots every service VM of the example, as `xoar host up --policy` does.
describe.each(EXAMPLES)('booting %s', (name) => {
  it('brings every permanent service VM to running and disposes of boot and pci-config', async () => {
    const policy = await loadPolicy(join(POLICIES, name));
    const stateRoot = mkdtempSync(join(tmpdir(), 'xoar-example-'));
    const supervisor = await Supervisor.start({ policy, stateRoot });
    try {
      await supervisor.booted;
      const expected = Object.fromEntries(policy.services.map((service) => [service.id, isDisposable(service.role) ? 'destroyed' : 'running']));
      const states = await eventually(() => {
        const current = Object.fromEntries(supervisor.status().services.map((service) => [service.id, service.state]));
        return Object.entries(expected).every(([id, state]) => current[id] === state) ? current : undefined;
      }, `every service VM of ${name} to settle`);
      expect(states).toEqual(expected);
      // A service's warm standbys are as many as its policy asks for, else the host's one.
      for (const service of policy.services.filter((candidate) => roles[candidate.role].warmStandbys)) {
        await eventually(() => (supervisor.status().services.find((status) => status.id === service.id)?.standbys === (service.standbys ?? 1) ? true : undefined), `${service.id}'s standbys`);
      }
    } finally {
      await supervisor.stop();
      rmSync(stateRoot, { recursive: true, force: true });
    }
  }, 60_000);
});

import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { subjects, SupervisorOp } from '../bus/subjects.js';
import { loadPolicy } from './load-policy.js';
import { diffPolicies } from './policy-diff.js';
import type { HostPolicy, ServicePolicy } from './types.js';

let base: HostPolicy;

beforeAll(async () => {
  base = await loadPolicy(fileURLToPath(new URL('../../policies/default.json', import.meta.url)));
});

/** A copy of the default policy with `edit` applied. */
function changed(edit: (policy: HostPolicy) => void): HostPolicy {
  const copy = structuredClone(base);
  edit(copy);
  return copy;
}

function service(policy: HostPolicy, id: string): ServicePolicy {
  const found = policy.services.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no service ${id}`);
  return found;
}

const host = 'demo';

describe('diffPolicies', () => {
  it('finds nothing between a policy and a copy of it loaded from elsewhere', () => {
    const diff = diffPolicies(base, changed((policy) => (policy.source = '/elsewhere/default.json')));
    expect(diff).toEqual({
      identical: true,
      host: [],
      tenants: { added: [], removed: [], changed: [] },
      guests: { added: [], removed: [], changed: [] },
      services: { added: [], removed: [], changed: [] },
      sharing: { services: [], guests: [] },
      privileges: { roles: [], grants: { added: [], removed: [] } },
      permissions: { added: [], removed: [], changed: [] },
      liveApplicable: true,
      needsRestart: [],
      reconfigure: [],
    });
    expect(JSON.parse(JSON.stringify(diff))).toEqual(diff);
  });

  it('lists host settings that changed; the watchdog and the XenStore quotas (in xenstore-logic\'s snapshot) need a restart', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        policy.watchdog.heartbeatMs = 500;
        policy.xenstore.quotas = { ...policy.xenstore.quotas, nodes: 2000 };
      }),
    );
    expect(diff.identical).toBe(false);
    expect(diff.host).toEqual([
      { path: '/watchdog/heartbeatMs', before: 250, after: 500 },
      { path: '/xenstore/quotas/nodes', before: 1000, after: 2000 },
    ]);
    expect(diff.liveApplicable).toBe(false);
    expect(diff.needsRestart).toEqual([
      { what: '/watchdog/heartbeatMs', reason: expect.stringContaining('watchdog it was started with') },
      { what: '/xenstore/quotas/nodes', reason: expect.stringContaining("xenstore-logic's clean snapshot holds the quotas") },
    ]);
    expect(diff.reconfigure).toEqual([]);
  });

  it('needs a restart for a new host name, PCI source or restart budget', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        policy.host.name = 'demo2';
        policy.pci = { kind: 'sysfs', root: '/sys' };
        policy.restartBudget.maxRestarts = 3;
      }),
    );
    expect(diff.needsRestart.map(({ what }) => what)).toEqual(['/host/name', '/pci', '/restartBudget/maxRestarts']);
    expect(diff.host.find(({ path }) => path === '/pci')).toMatchObject({ before: { kind: 'fixture' }, after: { kind: 'sysfs', root: '/sys' } });
    // Every subject names the host, so every principal's permissions change.
    expect(diff.permissions.changed.map(({ principal }) => principal)).toContain('blk-shared');
  });

  it('lists tenants added, removed and changed', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        policy.tenants = [{ id: 'acme', isolated: true }, { id: 'hooli', isolated: false }];
        policy.guests = policy.guests.filter((guest) => guest.tenant === 'acme');
      }),
    );
    expect(diff.tenants).toEqual({
      added: [{ id: 'hooli', isolated: false }],
      removed: [{ id: 'globex', isolated: false }],
      changed: [{ id: 'acme', changes: [{ path: '/tenants/acme/isolated', before: false, after: true }] }],
    });
  });

  it("lists guests added, removed and changed, down to a device's backend", () => {
    const next = changed((policy) => {
      const [web, db] = policy.guests;
      if (web === undefined || db === undefined) throw new Error('the default policy has web and db');
      web.memoryBytes *= 2;
      web.disks.push({ vdev: 'xvdb', sizeBytes: 1024 ** 3, backend: 'blk-shared' });
      web.disks[0]!.sizeBytes *= 2;
      web.vifs[0]!.backend = 'net-other';
      policy.services.push({ ...service(policy, 'net-shared'), id: 'net-other', devices: [] });
      policy.guests = [web, { ...db, id: 'db2' }];
    });
    const diff = diffPolicies(base, next);
    expect(diff.guests.added.map(({ id }) => id)).toEqual(['db2']);
    expect(diff.guests.removed.map(({ id }) => id)).toEqual(['db']);
    expect(diff.guests.changed).toEqual([
      {
        id: 'web',
        changes: [
          { path: '/guests/web/memoryBytes', before: 256 * 1024 ** 2, after: 512 * 1024 ** 2 },
          { path: '/guests/web/disks/xvdb', before: null, after: { vdev: 'xvdb', sizeBytes: 1024 ** 3, backend: 'blk-shared' } },
          { path: '/guests/web/disks/xvda/sizeBytes', before: 1024 ** 3, after: 2 * 1024 ** 3 },
          { path: '/guests/web/vifs/00:16:3e:00:00:01/backend', before: 'net-shared', after: 'net-other' },
        ],
      },
    ]);
    expect(diff.sharing.guests).toContainEqual({ guest: 'web', gained: ['net-other'], lost: ['net-shared'] });
    expect(diff.permissions.added).toEqual(['net-other', 'db2']);
    expect(diff.permissions.removed).toEqual(['db']);
  });

  it('lists service changes field by field; a new restart schedule is applied live, a new limit (in the snapshot) needs a restart', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        service(policy, 'blk-shared').restart = { kind: 'every', periodMs: 20_000 };
        service(policy, 'net-shared').limits = { memoryBytes: 64 * 1024 ** 2 };
      }),
    );
    expect(diff.services.changed).toEqual([
      { id: 'blk-shared', changes: [{ path: '/services/blk-shared/restart', before: { kind: 'every', periodMs: 10_000 }, after: { kind: 'every', periodMs: 20_000 } }] },
      { id: 'net-shared', changes: [{ path: '/services/net-shared/limits', before: {}, after: { memoryBytes: 64 * 1024 ** 2 } }] },
    ]);
    expect(diff.liveApplicable).toBe(false);
    expect(diff.needsRestart).toEqual([{ what: '/services/net-shared/limits', reason: expect.stringContaining('clean snapshot holds it') }]);
    expect(diff.reconfigure).toEqual([{ service: 'blk-shared', paths: ['/services/blk-shared/restart'] }]);
    expect(diff.permissions.changed).toEqual([]);
  });

  it('needs a restart for a new role or new devices, and says why', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        service(policy, 'builder').role = 'toolstack';
        service(policy, 'blk-shared').devices = ['0000:00:05.0'];
      }),
    );
    expect(diff.liveApplicable).toBe(false);
    expect(diff.needsRestart).toEqual([
      { what: '/services/builder/role', reason: expect.stringContaining('a new role is a new service VM') },
      { what: '/services/blk-shared/devices', reason: expect.stringContaining('pci-config assigns PCI devices while the host boots') },
    ]);
  });

  it('compares devices and uses as sets: reordering them is no change', () => {
    const twoDevices = changed((policy) => (service(policy, 'blk-shared').devices = ['0000:00:04.0', '0000:00:05.0']));
    const reordered = changed((policy) => (service(policy, 'blk-shared').devices = ['0000:00:05.0', '0000:00:04.0']));
    expect(diffPolicies(twoDevices, reordered).identical).toBe(true);
  });

  it('needs a restart for a service added or removed, and for the domain ids that shift', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        policy.services = [...policy.services.filter((candidate) => candidate.id !== 'toolstack'), { ...service(policy, 'blk-shared'), id: 'blk-2', devices: [] }];
      }),
    );
    expect(diff.services.added.map(({ id }) => id)).toEqual(['blk-2']);
    expect(diff.services.removed.map(({ id }) => id)).toEqual(['toolstack']);
    expect(diff.needsRestart).toEqual([
      { what: '/services/blk-2', reason: expect.stringContaining('a running host does not add one') },
      { what: '/services/toolstack', reason: expect.stringContaining('service VMs stop with the host') },
      { what: '/services', reason: expect.stringContaining('blk-shared would be domain 6, not 7; net-shared would be domain 7, not 8') },
    ]);
    expect(diff.permissions).toMatchObject({ added: ['blk-2'], removed: ['toolstack'] });
  });

  it('needs a restart for services reordered, and nothing else changes', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        policy.services = [...policy.services.filter((candidate) => candidate.id !== 'blk-shared'), service(policy, 'blk-shared')];
      }),
    );
    expect(diff.services).toEqual({ added: [], removed: [], changed: [] });
    expect(diff.identical).toBe(false);
    expect(diff.needsRestart).toEqual([{ what: '/services', reason: expect.stringContaining('net-shared would be domain 7, not 8; blk-shared would be domain 8, not 7') }]);
  });

  it('a backend that stops serving a tenant: its guests are lost to it and their devices move to another backend', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        const blk = service(policy, 'blk-shared');
        blk.serves = { tenants: ['acme'] };
        policy.services.push({ ...blk, id: 'blk-globex', devices: [], serves: { tenants: ['globex'] } });
        policy.guests[1]!.disks[0]!.backend = 'blk-globex';
      }),
    );
    expect(diff.services.changed).toEqual([{ id: 'blk-shared', changes: [{ path: '/services/blk-shared/serves', before: 'all', after: { tenants: ['acme'] } }] }]);
    expect(diff.sharing).toEqual({
      services: [
        { service: 'blk-shared', gained: [], lost: ['db'] },
        { service: 'blk-globex', gained: ['db'], lost: [] },
      ],
      guests: [{ guest: 'db', gained: ['blk-globex'], lost: ['blk-shared'] }],
    });
    expect(diff.guests.changed).toEqual([{ id: 'db', changes: [{ path: '/guests/db/disks/xvda/backend', before: 'blk-shared', after: 'blk-globex' }] }]);
  });

  it("a toolstack that stops serving a tenant loses the builder's requests about that tenant's guests, and needs a restart (its snapshot holds them)", () => {
    const diff = diffPolicies(base, changed((policy) => (service(policy, 'toolstack').serves = { tenants: ['acme'] })));
    expect(diff.sharing.services).toEqual([{ service: 'toolstack', gained: [], lost: ['db'] }]);
    expect(diff.permissions.changed).toEqual([
      { principal: 'toolstack', added: [], removed: [{ direction: 'publish', effect: 'allow', subject: subjects.rpcForGuestAll(host, 'builder', 'db') }] },
    ]);
    expect(diff.needsRestart).toEqual([{ what: '/services/toolstack/serves', reason: expect.stringContaining('the guests it manages') }]);
  });

  it('lists capabilities a role gains and loses, grants added and removed, and the permissions that follow, with their reasons', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        policy.privileges.builder = policy.privileges.builder.filter((capability) => capability !== 'grant.issue');
        policy.privileges.toolstack = [...policy.privileges.toolstack, 'grant.issue'];
        policy.grants = [{ principal: 'web', service: 'toolstack', because: 'web restarts itself' }];
      }),
    );
    expect(diff.privileges).toEqual({
      roles: [
        { role: 'builder', added: [], removed: ['grant.issue'] },
        { role: 'toolstack', added: ['grant.issue'], removed: [] },
      ],
      grants: { added: [{ principal: 'web', service: 'toolstack', because: 'web restarts itself' }], removed: [] },
    });
    const of = (principal: string) => diff.permissions.changed.find((entry) => entry.principal === principal);
    expect(of('builder')?.removed).toEqual([
      { direction: 'publish', effect: 'allow', subject: subjects.supervisor(host, SupervisorOp.grantIssue, 'builder') },
      { direction: 'publish', effect: 'allow', subject: subjects.supervisor(host, SupervisorOp.grantRevoke, 'builder') },
    ]);
    expect(of('toolstack')?.added).toContainEqual({ direction: 'publish', effect: 'allow', subject: subjects.supervisor(host, SupervisorOp.grantIssue, 'toolstack'), because: 'role toolstack holds grant.issue' });
    expect(of('web')?.added).toContainEqual({ direction: 'publish', effect: 'allow', subject: subjects.rpcForGuestAll(host, 'toolstack', 'web'), because: 'web restarts itself' });
    expect(diff.liveApplicable).toBe(true);
  });

  it('needs a restart when who may write where in XenStore changes: xenstore-logic holds it in its snapshot', () => {
    const diff = diffPolicies(
      base,
      changed((policy) => {
        policy.privileges.toolstack = [...policy.privileges.toolstack, 'xenstore.write:/vm'];
      }),
    );
    expect(diff.privileges.roles).toEqual([{ role: 'toolstack', added: ['xenstore.write:/vm'], removed: [] }]);
    expect(diff.needsRestart).toEqual([{ what: '/privileges/toolstack', reason: expect.stringContaining('which domains may write where') }]);
  });
});

import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import type { HostPolicy } from '../../shared/policy/types.js';
import { GrantTable } from './grant-table.js';

const webDisk = { guest: 'web', service: 'blk-shared', device: { kind: 'vbd' as const, id: 'xvda' } };
const dbVif = { guest: 'db', service: 'net-shared', device: { kind: 'vif' as const, id: '00:16:3e:00:00:02' } };

describe('the grant table', () => {
  let policy: HostPolicy;
  beforeAll(async () => {
    policy = await loadPolicy(fileURLToPath(new URL('../../policies/default.json', import.meta.url)));
  });

  it('issues a grant the policy allows once, and says so when it is already in force', () => {
    const table = new GrantTable();
    expect(table.issue(policy, webDisk, 'builder')).toBe(true);
    expect(table.issue(policy, webDisk, 'builder')).toBe(false);
    expect(table.list()).toEqual([{ ...webDisk, issuedBy: 'builder' }]);
  });

  it.each([
    [{ ...webDisk, guest: 'ghost' }, 'the policy has no guest "ghost"'],
    [{ ...webDisk, device: { kind: 'vbd' as const, id: 'xvdz' } }, 'guest "web" has no vbd xvdz in the policy'],
    [{ ...webDisk, service: 'net-shared' }, 'the policy has web\'s vbd xvda served by "blk-shared", not "net-shared"'],
  ])('refuses %j: %s', (request, reason) => {
    const table = new GrantTable();
    expect(() => table.issue(policy, request, 'builder')).toThrow(reason);
    expect(table.list()).toEqual([]);
  });

  it('revokes a grant in force, and refuses to revoke one that is not', () => {
    const table = new GrantTable();
    table.issue(policy, webDisk, 'builder');
    expect(table.revoke(webDisk)).toEqual({ ...webDisk, issuedBy: 'builder' });
    expect(() => table.revoke(webDisk)).toThrow('no grant of web\'s vbd xvda served by blk-shared is in force');
  });

  it('keeps, when the policy changes, only the grants the new policy allows', () => {
    const table = new GrantTable();
    table.issue(policy, webDisk, 'builder');
    table.issue(policy, dbVif, 'builder');
    const withoutDb: HostPolicy = { ...policy, guests: policy.guests.filter((guest) => guest.id !== 'db') };
    expect(table.reconcile(withoutDb)).toEqual([{ grant: { ...dbVif, issuedBy: 'builder' }, reason: 'the policy has no guest "db"' }]);
    expect(table.list()).toEqual([{ ...webDisk, issuedBy: 'builder' }]);
  });
});

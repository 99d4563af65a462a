import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import type { HostPolicy } from '../../shared/policy/types.js';
import { instanceSpec } from './instance-spec.js';

const WIRING = { natsUrl: 'nats://127.0.0.1:4222', serviceStateRoot: '/tmp/state' };

function delegationsOf(policy: HostPolicy): unknown {
  const logic = policy.services.find(({ role }) => role === 'xenstore-logic');
  if (logic === undefined) throw new Error('no xenstore-logic service');
  return instanceSpec(policy, logic, WIRING, 1, 'seed').config['delegations'];
}

describe("XenStore-Logic's instance config", () => {
  let policy: HostPolicy;
  beforeAll(async () => {
    policy = await loadPolicy(fileURLToPath(new URL('../../policies/default.json', import.meta.url)));
  });

  it('names the domain of every service whose role holds xenstore.write:<path>, with its paths, and not its own', () => {
    expect(delegationsOf(policy)).toEqual([{ domid: 5, paths: ['/local/domain'] }]);
    const wider: HostPolicy = { ...policy, privileges: { ...policy.privileges, toolstack: ['vm.manage:own', 'xenstore.write:/vm', 'xenstore.write:/libxl'] } };
    expect(delegationsOf(wider)).toEqual([
      { domid: 5, paths: ['/local/domain'] },
      { domid: 6, paths: ['/vm', '/libxl'] },
    ]);
    expect(delegationsOf({ ...policy, privileges: { ...policy.privileges, builder: ['vm.create'] } })).toEqual([]);
  });
});

describe("the builder's and the toolstacks' instance config", () => {
  it("gives them the host's budget for a guest's start or end, from the policy's start timeout", async () => {
    const policy = await loadPolicy(fileURLToPath(new URL('../../policies/default.json', import.meta.url)));
    const slow: HostPolicy = { ...policy, watchdog: { ...policy.watchdog, startTimeoutMs: 600_000 } };
    const budgetOf = (p: HostPolicy, role: string) => instanceSpec(p, p.services.find((service) => service.role === role)!, WIRING, 1, 'seed').config['guestOpTimeoutMs'];
    expect(budgetOf(policy, 'builder')).toBe(45_000);
    expect(budgetOf(slow, 'builder')).toBe(635_000);
    expect(budgetOf(slow, 'toolstack')).toBe(635_000);
  });
});

import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { noLiveState } from '../../shared/policy/compile-permissions.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import type { HostPolicy } from '../../shared/policy/types.js';
import { planApply } from './apply-plan.js';

describe('planning a live policy change', () => {
  let policy: HostPolicy;
  const edit = (id: string, change: Record<string, unknown>): HostPolicy => ({ ...policy, services: policy.services.map((s) => (s.id === id ? { ...s, ...change } : s)) });
  beforeAll(async () => {
    policy = await loadPolicy(fileURLToPath(new URL('../../policies/default.json', import.meta.url)));
  });

  it('plans nothing for the same policy', () => {
    expect(planApply(policy, policy, noLiveState, [])).toEqual({ blocked: [], rescheduled: [], permissionsChanged: [] });
  });

  it('reschedules a service whose restart schedule changes, and restarts nothing', () => {
    const plan = planApply(policy, edit('blk-shared', { restart: { kind: 'every', periodMs: 5_000 } }), noLiveState, []);
    expect(plan).toEqual({ blocked: [], rescheduled: [{ id: 'blk-shared', restart: { kind: 'every', periodMs: 5_000 } }], permissionsChanged: [] });
  });

  it('names the principals whose broker permissions a grant to a guest alters: the guest, and the service that answers it', () => {
    const plan = planApply(policy, { ...policy, grants: [{ principal: 'web', service: 'toolstack' }] }, noLiveState, []);
    expect(plan.permissionsChanged.sort()).toEqual(['toolstack', 'web']);
    expect(plan.blocked).toEqual([]);
  });

  it("blocks a change of the guests a toolstack serves: its snapshot holds them", () => {
    expect(planApply(policy, edit('toolstack', { serves: { guests: ['web'] } }), noLiveState, []).blocked).toEqual([
      { what: 'service toolstack', reason: 'its clean snapshot would change (guests); every rollback restores the old one' },
    ]);
  });

  it('blocks a change to what a clean snapshot holds: every rollback would restore the old one', () => {
    const quotas: HostPolicy = { ...policy, xenstore: { quotas: { ...policy.xenstore.quotas, nodes: 10 } } };
    expect(planApply(policy, quotas, noLiveState, []).blocked).toEqual([
      { what: 'service xs-logic', reason: 'its clean snapshot would change (quotas); every rollback restores the old one' },
    ]);
    expect(planApply(policy, edit('net-shared', { limits: { memoryBytes: 64 * 2 ** 20 } }), noLiveState, []).blocked).toEqual([
      { what: 'service net-shared', reason: 'its clean snapshot would change (memoryLimitBytes); every rollback restores the old one' },
    ]);
  });

  it('keeps what the policy diff already blocks', () => {
    const blocked = [{ what: '/watchdog/timeoutMs', reason: 'the watchdog is fixed at start' }];
    expect(planApply(policy, policy, noLiveState, blocked).blocked).toEqual(blocked);
  });
});

import { isDeepStrictEqual } from 'node:util';
import { compilePermissions, type LiveState } from '../../shared/policy/compile-permissions.js';
import type { RestartNeed } from '../../shared/policy/policy-diff.js';
import { isDisposable } from '../../shared/policy/roles.js';
import type { HostPolicy, RestartSchedule } from '../../shared/policy/types.js';
import { instanceSpec } from './instance-spec.js';

/** What applying a new policy to a running host does, decided before anything is touched. */
export interface ApplyPlan {
  /** Changes that need the host restarted; the plan is applied only when this is empty. */
  blocked: RestartNeed[];
  /** Services whose restart schedule changes: their period starts over at once. */
  rescheduled: Array<{ id: string; restart: RestartSchedule }>;
  /** Principals whose broker permissions change (before runtime grants the new policy revokes). */
  permissionsChanged: string[];
}

const SPEC_WIRING = { natsUrl: '', serviceStateRoot: '' };

/**
 * Plans a live policy change. `blockedByDiff` are the changes `diffPolicies` says need a restart;
 * when it names none, every service whose clean snapshot would still differ is blocked (its initial
 * state is fixed when the snapshot is taken, and every rollback restores it). Pure.
 */
export function planApply(current: HostPolicy, next: HostPolicy, live: LiveState, blockedByDiff: readonly RestartNeed[]): ApplyPlan {
  const blocked = [...blockedByDiff];
  for (const service of blocked.length > 0 ? [] : next.services) {
    const before = current.services.find((candidate) => candidate.id === service.id);
    if (before === undefined || before.role !== service.role || isDisposable(service.role)) continue;
    const [was, will] = [snapshotContent(current, before.id), snapshotContent(next, service.id)];
    if (!isDeepStrictEqual(was, will)) {
      blocked.push({ what: `service ${service.id}`, reason: `its clean snapshot would change (${changedKeys(was, will).join(', ')}); every rollback restores the old one` });
    }
  }
  const rescheduled = next.services.flatMap((service) => {
    const before = current.services.find((candidate) => candidate.id === service.id);
    return before !== undefined && !isDeepStrictEqual(before.restart, service.restart) ? [{ id: service.id, restart: service.restart }] : [];
  });
  const [was, will] = [compilePermissions(current, live), compilePermissions(next, live)];
  const principals = new Set([...was.keys(), ...will.keys()]);
  const permissionsChanged = [...principals].filter((name) => !isDeepStrictEqual(was.get(name), will.get(name)));
  return { blocked, rescheduled, permissionsChanged };
}

/** What a service's snapshot holds: its instance spec but for what each instance gets anew. */
function snapshotContent(policy: HostPolicy, id: string): Record<string, unknown> {
  const service = policy.services.find((candidate) => candidate.id === id);
  if (service === undefined) return {};
  const { config, instance: _instance, seed: _seed, ...rest } = instanceSpec(policy, service, SPEC_WIRING, 0, '');
  return { ...config, ...rest };
}

function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !isDeepStrictEqual(a[key], b[key]));
}

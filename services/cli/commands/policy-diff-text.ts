import type { Change, ListDiff, PolicyDiff } from '../../../shared/policy/policy-diff.js';

/** A policy diff for people: one section per kind of change, `+`/`-` lines, unchanged sections left out. */
export function policyDiffText(diff: PolicyDiff): string {
  if (diff.identical) return 'no changes';
  const sections: Array<[string, string[]]> = [
    ['host', diff.host.flatMap(changeLines)],
    ['tenants', listLines('/tenants', diff.tenants)],
    ['guests', listLines('/guests', diff.guests)],
    ['services', listLines('/services', diff.services)],
    ['sharing', sharingLines(diff.sharing)],
    ['privileges', privilegeLines(diff.privileges)],
    ['permissions', permissionLines(diff.permissions)],
    ['needs a host restart (cannot be applied live)', diff.needsRestart.map(({ what, reason }) => `${what}: ${reason}`)],
    ['service VMs to reconfigure', diff.reconfigure.map(({ service, paths }) => `${service}: ${paths.join(', ')}`)],
  ];
  const shown = sections.filter(([, lines]) => lines.length > 0).map(([title, lines]) => [title, ...lines.map((line) => `  ${line}`)].join('\n'));
  return [...shown, diff.liveApplicable ? 'can be applied live' : 'cannot be applied live: restart the host with it'].join('\n');
}

function changeLines({ path, before, after }: Change): string[] {
  return [...(before === null ? [] : [`- ${path}: ${json(before)}`]), ...(after === null ? [] : [`+ ${path}: ${json(after)}`])];
}

function listLines<T extends { id: string }>(path: string, list: ListDiff<T>): string[] {
  const entry = (sign: string, { id, ...rest }: T) => `${sign} ${path}/${id}: ${json(rest)}`;
  return [...list.added.map((added) => entry('+', added)), ...list.removed.map((removed) => entry('-', removed)), ...list.changed.flatMap(({ changes }) => changes.flatMap(changeLines))];
}

function sharingLines(sharing: PolicyDiff['sharing']): string[] {
  return [
    ...sharing.services.flatMap(({ service, gained, lost }) => [...gained.map((guest) => `+ ${service} serves ${guest}`), ...lost.map((guest) => `- ${service} serves ${guest}`)]),
    ...sharing.guests.flatMap(({ guest, gained, lost }) => [...gained.map((backend) => `+ ${guest} is served by ${backend}`), ...lost.map((backend) => `- ${guest} is served by ${backend}`)]),
  ];
}

function privilegeLines(privileges: PolicyDiff['privileges']): string[] {
  return [
    ...privileges.roles.flatMap(({ role, added, removed }) => [...added.map((capability) => `+ role ${role}: ${capability}`), ...removed.map((capability) => `- role ${role}: ${capability}`)]),
    ...privileges.grants.added.map((grant) => `+ grant: ${json(grant)}`),
    ...privileges.grants.removed.map((grant) => `- grant: ${json(grant)}`),
  ];
}

function permissionLines(permissions: PolicyDiff['permissions']): string[] {
  const rule = (sign: string, { effect, direction, subject }: { effect: string; direction: string; subject: string }) => `  ${sign} ${effect.padEnd(5)} ${direction.padEnd(9)} ${subject}`;
  return [
    ...permissions.added.map((principal) => `+ principal ${principal}`),
    ...permissions.removed.map((principal) => `- principal ${principal}`),
    ...permissions.changed.flatMap(({ principal, added, removed }) => [
      principal,
      ...removed.map((removedRule) => rule('-', removedRule)),
      ...added.map((addedRule) => `${rule('+', addedRule).padEnd(60)} ${addedRule.because}`),
    ]),
  ];
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

import { describe, expect, it } from 'vitest';
import { Role } from '../../policy/types.js';
import type { InstanceSpec } from '../driver.js';
import { XenstoreValueTooLargeError } from './errors.js';
import { identityEntries } from './identity.js';

const SEED = 'SUAEXAMPLESEEDNOTREAL';

function spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return { host: 'h1', id: 'builder', role: Role.builder, instance: 3, natsUrl: 'nats://10.88.0.1:4222', seed: SEED, heartbeatMs: 500, config: {}, readPaths: [], writePaths: [], ...overrides };
}

describe("an instance's identity in XenStore", () => {
  it("lives in the domain's xoar/ directory, readable only by dom0 and that domain", () => {
    const entries = identityEntries(spec(), 7, '10.88.0.5/24');
    expect(entries.map(({ path }) => path)).toEqual(['/local/domain/7/xoar', '/local/domain/7/xoar/ip', '/local/domain/7/xoar/seed', '/local/domain/7/xoar/spec']);
    for (const { perms } of entries) expect(perms).toEqual(['n0', 'r7']);
  });

  it('writes the spec last, as /init starts once it sees it, and without the seed, which travels apart', () => {
    const entries = identityEntries(spec({ standby: true }), 7, '10.88.0.5/24');
    const last = entries.at(-1)!;
    expect(last.path).toBe('/local/domain/7/xoar/spec');
    expect(JSON.parse(last.value)).toEqual({ host: 'h1', id: 'builder', role: Role.builder, instance: 3, natsUrl: 'nats://10.88.0.1:4222', heartbeatMs: 500, config: {}, readPaths: [], writePaths: [], standby: true });
    expect(last.value).not.toContain(SEED);
    expect(entries.find(({ path }) => path.endsWith('/seed'))?.value).toBe(SEED);
    expect(entries.find(({ path }) => path.endsWith('/ip'))?.value).toBe('10.88.0.5/24');
  });

  it('tells block and network domains they are driver domains', () => {
    for (const role of [Role.block, Role.network]) {
      expect(identityEntries(spec({ role }), 7, '10.88.0.5/24').find(({ path }) => path.endsWith('/driver-domain'))?.value).toBe('1');
    }
  });

  it('refuses a spec larger than a XenStore message can carry', () => {
    expect(() => identityEntries(spec({ config: { big: 'x'.repeat(4096) } }), 7, '10.88.0.5/24')).toThrow(XenstoreValueTooLargeError);
  });
});

import { describe, expect, it } from 'vitest';
import { CapabilityKind, capabilities, parseCapability } from './capabilities.js';
import { Disposal, isDisposable, roles } from './roles.js';
import { Role } from './types.js';

describe('the role table', () => {
  it('never starts a role before the roles it uses', () => {
    for (const role of Object.values(Role)) {
      for (const used of roles[role].uses) {
        expect(roles[used].phase, `${role} uses ${used}`).toBeLessThanOrEqual(roles[role].phase);
      }
    }
  });

  it('disposes of boot after boot and pci-config after its job; every other role lives on', () => {
    expect(roles[Role.boot].disposal).toBe(Disposal.afterBoot);
    expect(roles[Role.pciConfig].disposal).toBe(Disposal.afterJob);
    const disposable = Object.values(Role).filter(isDisposable);
    expect(disposable).toEqual([Role.boot, Role.pciConfig]);
  });

  it('gives device:assigned by default to block and network services only', () => {
    expect(Object.values(Role).filter((role) => roles[role].defaultPrivileges.includes('device:assigned'))).toEqual([Role.block, Role.network]);
  });

  it('gives each role by default only capabilities its job can use', () => {
    for (const role of Object.values(Role)) {
      for (const text of roles[role].defaultPrivileges) {
        const capability = parseCapability(text);
        expect(capability, text).toBeDefined();
        expect(capabilities[capability?.kind ?? CapabilityKind.vmCreate].holders, `${role}: ${text}`).toContain(role);
      }
    }
  });

  it('lets the toolstack reach the builder only through vm.manage', () => {
    expect(roles[Role.toolstack].uses).not.toContain(Role.builder);
    expect(roles[Role.toolstack].defaultPrivileges).toEqual(['vm.manage:own']);
  });
});

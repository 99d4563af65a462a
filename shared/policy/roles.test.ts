import { describe, expect, it } from 'vitest';
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

  it('lets only block and network services hold devices', () => {
    expect(Object.values(Role).filter((role) => roles[role].holdsDevices)).toEqual([Role.block, Role.network]);
  });
});

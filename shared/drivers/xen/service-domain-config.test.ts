import { describe, expect, it } from 'vitest';
import { Role } from '../../policy/types.js';
import { controlMac } from './domain-names.js';
import { XenConfigInvalidError } from './errors.js';
import { MIN_SERVICE_MEMORY_MIB, serviceDomainConfig, type ServiceDomainSettings, type ServiceDomainSpec } from './service-domain-config.js';
import { renderXlConfig } from './xl-config-text.js';

const settings: ServiceDomainSettings = {
  image: { kernel: '/boot/vmlinuz-6.1.0-pv', ramdisk: '/var/lib/xoar/service-initrd.img', rootDisk: '/var/lib/xoar/service-root.img', kernelArgs: ['quiet'] },
  bridge: 'xenbr0',
  stateDir: '/var/lib/xoar/xen',
  defaultMemoryMiB: 256,
  vcpus: 1,
};

function spec(overrides: Partial<ServiceDomainSpec> = {}): ServiceDomainSpec {
  return { id: 'builder', role: Role.builder, writePaths: [], ...overrides };
}

function settingsOf(config: ReturnType<typeof serviceDomainConfig>): Map<string, unknown> {
  return new Map(config);
}

describe('the xl.cfg of a service VM domain', () => {
  it('is a PV domain booting the service initramfs and the shared root disk, read-only, kept when it ends (for the driver to read its exit), on the control network', () => {
    const name = 'h1-builder-3';
    expect(renderXlConfig(serviceDomainConfig(spec(), name, settings), 'test')).toBe(
      [
        'name = "h1-builder-3"',
        'type = "pv"',
        'kernel = "/boot/vmlinuz-6.1.0-pv"',
        'ramdisk = "/var/lib/xoar/service-initrd.img"',
        'extra = "console=hvc0 quiet"',
        'memory = 256',
        'maxmem = 256',
        'vcpus = 1',
        'on_poweroff = "preserve"',
        'on_reboot = "preserve"',
        'on_crash = "preserve"',
        'seclabel = "system_u:system_r:xoar_builder_t"',
        `vif = [ "bridge=xenbr0,mac=${controlMac(name)}" ]`,
        'disk = [ "format=raw,vdev=xvda,access=ro,target=/var/lib/xoar/service-root.img" ]',
        '',
      ].join('\n'),
    );
  });

  it('gives each domain its own MAC in Xen\'s OUI, the same for the same name', () => {
    expect(controlMac('h1-builder-3')).toMatch(/^00:16:3e(:[0-9a-f]{2}){3}$/);
    expect(controlMac('h1-builder-3')).toBe(controlMac('h1-builder-3'));
    expect(controlMac('h1-builder-4')).not.toBe(controlMac('h1-builder-3'));
  });

  it('makes block and network service VMs driver domains, and no other role', () => {
    for (const role of Object.values(Role)) {
      const driverDomain = settingsOf(serviceDomainConfig(spec({ role }), 'd', settings)).get('driver_domain');
      expect([role, driverDomain]).toEqual([role, role === Role.block || role === Role.network ? 1 : undefined]);
    }
  });

  it('labels each role with its own XSM type, and a guest as an ordinary domU', () => {
    const labels = Object.values(Role).map((role) => settingsOf(serviceDomainConfig(spec({ role }), 'd', settings)).get('seclabel'));
    expect(new Set(labels).size).toBe(Object.values(Role).length);
    expect(settingsOf(serviceDomainConfig(spec({ role: Role.block }), 'd', settings)).get('seclabel')).toBe('system_u:system_r:xoar_blk_t');
    expect(settingsOf(serviceDomainConfig(spec({ role: 'guest' }), 'd', settings)).get('seclabel')).toBe('system_u:system_r:domU_t');
  });

  it('refuses a role with no XSM type, saying where to add one', () => {
    expect(() => serviceDomainConfig(spec({ role: 'hypervisor' }), 'd', settings)).toThrow(XenConfigInvalidError);
    expect(() => serviceDomainConfig(spec({ role: 'hypervisor' }), 'd', settings)).toThrow(expect.objectContaining({ hint: expect.stringContaining('seclabels.ts') }));
  });

  it('gives a service VM that keeps files a disk of its own as xvdb, read-write', () => {
    const config = settingsOf(serviceDomainConfig(spec({ id: 'xs-state', role: Role.xenstoreState, writePaths: ['/var/lib/xoar/state/xs-state'] }), 'd', settings));
    const root = 'format=raw,vdev=xvda,access=ro,target=/var/lib/xoar/service-root.img';
    expect(config.get('disk')).toEqual([root, 'format=raw,vdev=xvdb,access=rw,target=/var/lib/xoar/xen/disks/xs-state.img']);
    expect(settingsOf(serviceDomainConfig(spec(), 'd', settings)).get('disk')).toEqual([root]);
  });

  it("sizes memory by the policy's limit, in whole MiB, with no room to balloon", () => {
    const config = settingsOf(serviceDomainConfig(spec({ memoryLimitBytes: 96 * 2 ** 20 + 5 }), 'd', settings));
    expect([config.get('memory'), config.get('maxmem')]).toEqual([96, 96]);
  });

  it('refuses a memory limit too small to boot in, saying what to raise', () => {
    const tooSmall = () => serviceDomainConfig(spec({ memoryLimitBytes: (MIN_SERVICE_MEMORY_MIB - 1) * 2 ** 20 }), 'd', settings);
    expect(tooSmall).toThrow(XenConfigInvalidError);
    expect(tooSmall).toThrow(expect.objectContaining({ field: 'memory', hint: expect.stringContaining('limits.memoryBytes') }));
  });

  it('differs between a template and its instances only in name and MAC', () => {
    const keeper = spec({ id: 'blk', role: Role.block, writePaths: ['/srv/blk'] });
    const template = settingsOf(serviceDomainConfig(keeper, 'h1-blk-template', settings));
    const instance = settingsOf(serviceDomainConfig(keeper, 'h1-blk-7', settings));
    const differing = [...template.keys()].filter((key) => JSON.stringify(template.get(key)) !== JSON.stringify(instance.get(key)));
    expect(differing).toEqual(['name', 'vif']);
  });
});

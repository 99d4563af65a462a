import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBdf } from './bdf.js';
import { enumeratePciDevices } from './enumerate-pci-devices.js';
import { PciSourceInvalidError, PciSourceUnreadableError } from './errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xoar-pci-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fake /sys/bus/pci: one folder a device under devices/, with sysfs's hex files. */
async function fakeSysfs(devices: Record<string, { vendor: string; device: string; class: string }>): Promise<string> {
  const root = join(dir, 'sys-bus-pci');
  await mkdir(join(root, 'devices'), { recursive: true });
  for (const [bdf, files] of Object.entries(devices)) {
    await mkdir(join(root, 'devices', bdf));
    for (const [name, value] of Object.entries(files)) await writeFile(join(root, 'devices', bdf, name), `${value}\n`);
  }
  return root;
}

describe('enumeratePciDevices from sysfs', () => {
  it('reads vendor, device and class of every device, sorted by address', async () => {
    const root = await fakeSysfs({
      '0000:00:03.0': { vendor: '0x1af4', device: '0x1041', class: '0x020000' },
      '0000:00:00.0': { vendor: '0x8086', device: '0x1237', class: '0x060000' },
    });
    expect(await enumeratePciDevices({ kind: 'sysfs', root })).toEqual([
      { bdf: '0000:00:00.0', vendor: 0x8086, device: 0x1237, class: 0x060000 },
      { bdf: '0000:00:03.0', vendor: 0x1af4, device: 0x1041, class: 0x020000 },
    ]);
  });

  it('reports every malformed entry at once', async () => {
    const root = await fakeSysfs({
      '0000:00:03.0': { vendor: 'intel', device: '0x1041', class: '0x1020000' },
      'not-a-device': { vendor: '0x1af4', device: '0x1041', class: '0x020000' },
    });
    const error = await enumeratePciDevices({ kind: 'sysfs', root }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PciSourceInvalidError);
    expect((error as PciSourceInvalidError).problems).toEqual([
      `${join(root, 'devices', '0000:00:03.0', 'class')}: "0x1020000" is not a 6-digit hex ID`,
      `${join(root, 'devices', '0000:00:03.0', 'vendor')}: "intel" is not a 4-digit hex ID`,
      `${join(root, 'devices', 'not-a-device')}: not a PCI address`,
    ]);
  });

  it('fails with PciSourceUnreadableError when the bus directory or a device file is missing', async () => {
    await expect(enumeratePciDevices({ kind: 'sysfs', root: join(dir, 'absent') })).rejects.toMatchObject({
      code: 'pci-source-unreadable',
      path: join(dir, 'absent', 'devices'),
    });
    const root = await fakeSysfs({ '0000:00:03.0': { vendor: '0x1af4', device: '0x1041', class: '0x020000' } });
    await rm(join(root, 'devices', '0000:00:03.0', 'class'));
    const error = await enumeratePciDevices({ kind: 'sysfs', root }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PciSourceUnreadableError);
    expect((error as PciSourceUnreadableError).path).toBe(join(root, 'devices', '0000:00:03.0', 'class'));
  });

  it.runIf(existsSync('/sys/bus/pci/devices'))("enumerates this machine's real bus", async () => {
    const devices = await enumeratePciDevices({ kind: 'sysfs', root: '/sys/bus/pci' });
    for (const device of devices) expect(isBdf(device.bdf)).toBe(true);
  });
});

describe('enumeratePciDevices from a fixture', () => {
  it('reads the demo fixture', async () => {
    const path = fileURLToPath(new URL('../../policies/fixtures/pci-demo.json', import.meta.url));
    const devices = await enumeratePciDevices({ kind: 'fixture', path });
    expect(devices.map((device) => device.bdf)).toEqual(['0000:00:00.0', '0000:00:01.0', '0000:00:02.0', '0000:00:03.0', '0000:00:04.0', '0000:00:05.0']);
    expect(devices[3]).toEqual({ bdf: '0000:00:03.0', vendor: 0x1af4, device: 0x1041, class: 0x020000 });
  });

  it('lists every problem in a malformed fixture', async () => {
    const path = join(dir, 'pci.json');
    await writeFile(
      path,
      JSON.stringify([
        { bdf: '0000:00:03.0', vendor: '0x1af4', device: '0x1041', class: '0x020000' },
        { bdf: '00:04.0', vendor: 6900, device: '0x1042', class: '0x018000', slot: 4 },
        { bdf: '0000:00:03.0', vendor: '0x1af4', device: '0x1041', class: '0x020000' },
      ]),
    );
    const error = await enumeratePciDevices({ kind: 'fixture', path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PciSourceInvalidError);
    expect(error).toMatchObject({ code: 'pci-source-invalid', path });
    expect((error as PciSourceInvalidError).problems).toEqual([
      '/1/slot: unknown property',
      '/1/bdf: "00:04.0" is not a PCI address like "0000:00:04.0"',
      '/1/vendor: 6900 is not a 4-digit hex ID like "0x0000"',
      '0000:00:03.0: listed twice',
    ]);
  });

  it.each([
    ['not JSON', '{', /^not JSON: /],
    ['not a list', '{"bdf": "0000:00:03.0"}', /^\/: must be an array of devices$/],
  ])('rejects a fixture that is %s', async (_, text, problem) => {
    const path = join(dir, 'pci.json');
    await writeFile(path, text);
    const error = await enumeratePciDevices({ kind: 'fixture', path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PciSourceInvalidError);
    expect((error as PciSourceInvalidError).problems[0]).toMatch(problem);
  });

  it('fails with PciSourceUnreadableError when the fixture is missing', async () => {
    const path = join(dir, 'absent.json');
    await expect(enumeratePciDevices({ kind: 'fixture', path })).rejects.toMatchObject({ code: 'pci-source-unreadable', path });
  });
});

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PciSource } from '../policy/types.js';
import { isBdf } from './bdf.js';
import { PciSourceInvalidError, PciSourceUnreadableError } from './errors.js';
import type { PciDevice } from './pci-device.js';

const FIXTURE_HINT = 'write the fixture as [{ "bdf": "0000:00:03.0", "vendor": "0x1af4", "device": "0x1041", "class": "0x020000" }, …]';
/** The widths sysfs gives each ID: vendor and device are 16 bits, class 24. */
const ID_DIGITS = { vendor: 4, device: 4, class: 6 } as const;
type IdField = keyof typeof ID_DIGITS;
const ID_FIELDS = Object.keys(ID_DIGITS) as IdField[];

/** The host's PCI devices, sorted by address, from sysfs or from a fixture file. */
export async function enumeratePciDevices(source: PciSource): Promise<PciDevice[]> {
  const devices = source.kind === 'sysfs' ? await readSysfs(source.root) : await readFixture(source.path);
  return devices.sort((a, b) => a.bdf.localeCompare(b.bdf));
}

async function readSysfs(root: string): Promise<PciDevice[]> {
  const dir = join(root, 'devices');
  const names = await readOrFail(dir, () => readdir(dir));
  const problems: string[] = [];
  const devices = await Promise.all(names.map((name) => readSysfsDevice(dir, name, problems)));
  if (problems.length > 0) {
    throw new PciSourceInvalidError(dir, problems.sort(), 'point the policy\'s "pci": { "sysfs" } at the PCI bus directory, normally /sys/bus/pci');
  }
  return devices.filter((device) => device !== undefined);
}

async function readSysfsDevice(dir: string, bdf: string, problems: string[]): Promise<PciDevice | undefined> {
  if (!isBdf(bdf)) {
    problems.push(`${join(dir, bdf)}: not a PCI address`);
    return undefined;
  }
  const ids = await Promise.all(
    ID_FIELDS.map(async (field) => {
      const file = join(dir, bdf, field);
      const text = (await readOrFail(file, () => readFile(file, 'utf8'))).trim();
      const value = parseId(text, field);
      if (value === undefined) problems.push(`${file}: "${text}" is not a ${ID_DIGITS[field]}-digit hex ID`);
      return value;
    }),
  );
  return toDevice(bdf, ids);
}

async function readFixture(path: string): Promise<PciDevice[]> {
  const text = await readOrFail(path, () => readFile(path, 'utf8'));
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new PciSourceInvalidError(path, [`not JSON: ${(error as Error).message}`], FIXTURE_HINT);
  }
  if (!Array.isArray(entries)) throw new PciSourceInvalidError(path, ['/: must be an array of devices'], FIXTURE_HINT);

  const problems: string[] = [];
  const devices = entries.flatMap((entry: unknown, index): PciDevice[] => {
    const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => key !== 'bdf' && !(ID_FIELDS as string[]).includes(key));
    for (const key of unknown) problems.push(`/${index}/${key}: unknown property`);
    const { bdf } = record;
    if (typeof bdf !== 'string' || !isBdf(bdf)) problems.push(`/${index}/bdf: ${JSON.stringify(bdf)} is not a PCI address like "0000:00:04.0"`);
    const ids = ID_FIELDS.map((field) => {
      const value = typeof record[field] === 'string' ? parseId(record[field], field) : undefined;
      if (value === undefined) problems.push(`/${index}/${field}: ${JSON.stringify(record[field])} is not a ${ID_DIGITS[field]}-digit hex ID like "0x${'0'.repeat(ID_DIGITS[field])}"`);
      return value;
    });
    const device = typeof bdf === 'string' ? toDevice(bdf, ids) : undefined;
    return device === undefined ? [] : [device];
  });
  const seen = new Set<string>();
  for (const { bdf } of devices) {
    if (seen.has(bdf)) problems.push(`${bdf}: listed twice`);
    seen.add(bdf);
  }
  if (problems.length > 0) throw new PciSourceInvalidError(path, problems, FIXTURE_HINT);
  return devices;
}

function toDevice(bdf: string, [vendor, device, cls]: ReadonlyArray<number | undefined>): PciDevice | undefined {
  return vendor === undefined || device === undefined || cls === undefined ? undefined : { bdf, vendor, device, class: cls };
}

/** A sysfs-style hex ID: `0x` and up to the field's width of hex digits. */
function parseId(text: string, field: IdField): number | undefined {
  return new RegExp(`^0x[0-9a-fA-F]{1,${ID_DIGITS[field]}}$`).test(text) ? Number.parseInt(text.slice(2), 16) : undefined;
}

async function readOrFail<T>(path: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new PciSourceUnreadableError(path, error);
  }
}

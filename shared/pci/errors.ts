import { XoarError } from '../errors/xoar-error.js';

export interface MissingDevice {
  bdf: string;
  service: string;
}

/** The policy assigns devices the host does not have; nothing was assigned. */
export class PciDeviceMissingError extends XoarError {
  readonly missing: readonly MissingDevice[];

  constructor(missing: readonly MissingDevice[], policyFile: string) {
    const list = missing.map(({ bdf, service }) => `${bdf} (assigned to "${service}")`).join(', ');
    super('pci-device-missing', `the policy assigns PCI devices this host does not have: ${list}`, {
      hint: `check the addresses with \`lspci -D\` (or the policy's pci fixture) and fix the services' "devices" in ${policyFile}`,
    });
    this.missing = missing;
  }
}

export class PciSourceUnreadableError extends XoarError {
  readonly path: string;

  constructor(path: string, cause: unknown) {
    super('pci-source-unreadable', `cannot read PCI devices from ${path}`, {
      hint: 'point the policy\'s "pci" at a readable sysfs bus directory (/sys/bus/pci) or fixture file',
      cause,
    });
    this.path = path;
  }
}

/** A PCI source was readable but says something that is not a device list. */
export class PciSourceInvalidError extends XoarError {
  readonly path: string;
  readonly problems: readonly string[];

  constructor(path: string, problems: readonly string[], hint: string) {
    super('pci-source-invalid', `PCI devices in ${path} are malformed:\n${problems.map((problem) => `  ${problem}`).join('\n')}`, { hint });
    this.path = path;
    this.problems = problems;
  }
}

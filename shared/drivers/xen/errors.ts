import { XoarError } from '../../errors/xoar-error.js';

/** An `xl` command failed: the command, how it ended and what it printed on stderr. */
export class XlFailedError extends XoarError {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(args: readonly string[], ending: string, exitCode: number | null, stderr: string) {
    const said = stderr.trim();
    super('xl-failed', `xl ${args.join(' ')} ${ending}${said === '' ? '' : `: ${said}`}`, {
      hint: 'run the same command as root in dom0 to see it fail; `xl dmesg` and /var/log/xen/ say more',
    });
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export class XenToolsMissingError extends XoarError {
  constructor(command: string, cause: unknown) {
    super('xen-tools-missing', `cannot run ${command}: it is not installed, or this is not a Xen control domain`, {
      hint: 'the xen driver runs in dom0 of a Xen host with the xl toolstack (Debian: xen-utils); elsewhere use the process driver',
      cause,
    });
  }
}

export class XenstoredUnreachableError extends XoarError {
  constructor(socket: string, cause: unknown) {
    super('xenstored-unreachable', `cannot reach xenstored on ${socket}`, {
      hint: 'start the Xen daemons (xencommons, or Debian\'s xen service), run as root, or give the driver the socket path xenstored uses',
      cause,
    });
  }
}

/** A value the domain's xl.cfg cannot carry. `field` names the setting, `source` where the value came from. */
export class XenConfigInvalidError extends XoarError {
  readonly field: string;

  constructor(field: string, source: string, problem: string, hint: string) {
    super('xen-config-invalid', `cannot write xl.cfg setting "${field}" from ${source}: ${problem}`, { hint });
    this.field = field;
  }
}

export class XenTemplateTimeoutError extends XoarError {
  constructor(shape: string, domain: string, timeoutMs: number, state: string | undefined) {
    super('xen-template-timeout', `the template "${shape}" (domain ${domain}) did not reach data/xoar/state = waiting within ${timeoutMs} ms (last state: ${state ?? 'none'})`, {
      hint: `read its console log (/var/log/xen/console/guest-${domain}.log) or \`timeout -s KILL 30 xl console ${domain}\`; check the kernel, initramfs and root disk paths in the policy`,
    });
  }
}

/** XenStore carries at most 4096 bytes a message, the path included. */
export class XenstoreValueTooLargeError extends XoarError {
  constructor(path: string, bytes: number, limit: number) {
    super('xenstore-value-too-large', `${path} would be ${bytes} bytes; XenStore carries at most ${limit}`, {
      hint: 'the service VM\'s declared config is too large to hand over through XenStore: make its role config smaller',
    });
  }
}

export class XenBrokerUnreachableError extends XoarError {
  constructor(url: string) {
    super('xen-broker-unreachable', `service VM domains cannot reach the broker at ${url}: it is a loopback address of dom0`, {
      hint: 'make the supervisor\'s nats-server listen on the control network (dom0\'s address on xenbr0, 10.88.0.1) and give that URL',
    });
  }
}

export class XenSnapshotStaleError extends XoarError {
  constructor(id: string, expected: string, found: string | undefined) {
    super('xen-snapshot-stale', `the snapshot of service VM "${id}" (${expected.slice(0, 12)}) is no longer on disk (${found === undefined ? 'no template' : `the template is now ${found.slice(0, 12)}`})`, {
      hint: 'the template was rebuilt (new code or kernel) since the snapshot was taken: start the service afresh and snapshot it again',
    });
  }
}

export class XenAddressesExhaustedError extends XoarError {
  constructor(network: string) {
    super('xen-addresses-exhausted', `no free address left on the control network ${network}`, {
      hint: 'destroy instances that are no longer needed, or give the driver a larger control network',
    });
  }
}

export class XlListUnreadableError extends XoarError {
  constructor(problem: string) {
    super('xl-list-unreadable', `cannot read the output of xl list: ${problem}`, {
      hint: 'this xl prints its domain list in a format the driver does not know; report the xl version (xl info xen_version) and its output',
    });
  }
}

export class XenDiskFailedError extends XoarError {
  constructor(file: string, problem: string) {
    super('xen-disk-failed', `cannot make the service VM disk ${file}: ${problem}`, {
      hint: 'check that dom0 has e2fsprogs (mkfs.ext4) and room in the driver\'s state directory',
    });
  }
}

/** A driver domain that became the serving one did not report `running` (its `xl devd` started) in time. */
export class XenDriverDomainNotReadyError extends XoarError {
  constructor(domain: string, timeoutMs: number, state: string | undefined) {
    super('xen-driver-domain-not-ready', `the driver domain ${domain} did not reach data/xoar/state = running within ${timeoutMs} ms (last state: ${state ?? 'none'}): its guests' devices were not attached to it again`, {
      hint: `read its console log (/var/log/xen/console/guest-${domain}.log); once it runs, destroy and create the guests it serves`,
    });
  }
}

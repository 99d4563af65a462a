import { XoarError } from '../../shared/errors/xoar-error.js';

export class HostBootFailedError extends XoarError {
  constructor(host: string, service: string, reason: string, logFile: string) {
    super('host-boot-failed', `host "${host}" did not boot: service VM "${service}" failed: ${reason}`, {
      hint: `read its log (${logFile}); the host was stopped and nothing is left running`,
    });
  }
}

export class UnknownServiceError extends XoarError {
  constructor(host: string, id: string, known: string[]) {
    super('unknown-service', `host "${host}" has no service VM "${id}"`, { hint: `known service VMs: ${known.join(', ')}` });
  }
}

export class ServiceNotRunningError extends XoarError {
  constructor(id: string, state: string, what = 'be rolled back') {
    super('service-not-running', `service VM "${id}" is ${state}, not running: it cannot ${what} now`, {
      hint: 'wait until `xoar host status` shows it running; a failed service needs its cause fixed and the host restarted',
    });
  }
}

export class AssignmentOutsidePolicyError extends XoarError {
  constructor(bdf: string, service: string) {
    super('assignment-outside-policy', `PCI Config assigned device ${bdf} to "${service}", which the policy does not allow`, {
      hint: 'the assignment was refused and recorded; the policy names each service\'s devices',
    });
  }
}

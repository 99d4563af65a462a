import { XoarError } from '../../shared/errors/xoar-error.js';
import { describeGrant } from '../../shared/policy/live-grants.js';
import type { RestartNeed } from '../../shared/policy/policy-diff.js';
import type { GrantRequest } from './grant-table.js';

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

export class GrantOutsidePolicyError extends XoarError {
  constructor(request: GrantRequest, issuer: string, reason: string) {
    super('grant-outside-policy', `"${issuer}" asked to grant ${describeGrant(request)}, which the policy does not allow: ${reason}`, {
      hint: 'the grant was refused and recorded; a guest device is served only by the backend the policy gives it',
    });
  }
}

export class GrantNotFoundError extends XoarError {
  constructor(request: GrantRequest) {
    super('grant-not-found', `no grant of ${describeGrant(request)} is in force`, { hint: 'list the grants in force with xoar host status --json' });
  }
}

export class PolicyNeedsRestartError extends XoarError {
  constructor(file: string, blocked: readonly RestartNeed[]) {
    super('policy-needs-restart', `policy ${file} cannot be applied to the running host:\n${blocked.map(({ what, reason }) => `  ${what}: ${reason}`).join('\n')}`, {
      hint: 'nothing was applied; restart the host with it (xoar host down, then xoar host up --policy FILE), or change only what a running host can take',
    });
  }
}

export class GuestNotInPolicyError extends XoarError {
  constructor(guest: string, declared: readonly string[]) {
    super('guest-not-in-policy', `the policy has no guest "${guest}"`, { hint: declared.length === 0 ? 'declare guests under "guests" in the policy' : `guests in the policy: ${declared.join(', ')}` });
  }
}

export class GuestExistsError extends XoarError {
  constructor(guest: string, domid: number) {
    super('guest-exists', `guest "${guest}" already exists (domain ${domid})`, { hint: 'destroy it first (xoar guest destroy), or create another guest' });
  }
}

export class GuestNotFoundError extends XoarError {
  constructor(guest: string, existing: readonly string[]) {
    super('guest-not-found', `guest "${guest}" does not exist on this host`, { hint: existing.length === 0 ? 'no guest exists yet: xoar guest create G' : `existing guests: ${existing.join(', ')}` });
  }
}

export class GuestStartFailedError extends XoarError {
  constructor(guest: string, reason: string) {
    super('guest-start-failed', `guest "${guest}" did not start: ${reason}`, { hint: "read its log in the host's logs/ directory; the guest was destroyed" });
  }
}

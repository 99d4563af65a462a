import { XoarError } from '../errors/xoar-error.js';

/** A guest's config (its InstanceSpec `config`) that is not a GuestConfig. */
export class GuestConfigInvalidError extends XoarError {
  readonly pointer: string;

  constructor(pointer: string, problem: string) {
    super('guest-config-invalid', `the guest config ${pointer === '' ? '' : `at ${pointer} `}${problem}`, {
      hint: 'guests are started by the supervisor from the policy (xoar host up), not by hand',
    });
    this.pointer = pointer;
  }
}

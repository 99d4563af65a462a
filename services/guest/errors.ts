import { XoarError } from '../../shared/errors/xoar-error.js';
import type { BlockFailure } from '../../shared/devices/block/block-wire.js';

/** The backend refused a block request for a reason sending it again cannot fix (out of bounds, misaligned, too large, malformed). */
export class BlockRequestRefusedError extends XoarError {
  readonly failure: BlockFailure;

  constructor(what: string, failure: BlockFailure) {
    super(failure.code, `the backend refused ${what}: ${failure.message}`, failure.hint === undefined ? {} : { hint: failure.hint });
    this.failure = failure;
  }
}

/** The disk's front-end was closed (the guest is stopping) before its request was answered. */
export class BlockClientClosedError extends XoarError {
  constructor() {
    super('guest-block-closed', 'a block request was not answered: the disk was closed', { hint: 'requests are answered only while the guest runs; this one was never acknowledged' });
  }
}

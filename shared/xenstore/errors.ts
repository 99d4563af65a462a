import { XoarError } from '../errors/xoar-error.js';

/**
 * A peer sent a header announcing more than XENSTORE_PAYLOAD_MAX bytes. xenstored drops such a
 * connection, and so do we: the stream cannot be resynchronised.
 */
export class XenstorePayloadTooLargeError extends XoarError {
  readonly length: number;

  constructor(length: number, limit: number) {
    super('xenstore-payload-too-large', `a XenStore message announced a ${length}-byte payload; the limit is ${limit}`, {
      hint: 'the client violates the XenStore wire protocol (docs/misc/xenstore.txt); fix the client, it was disconnected',
    });
    this.length = length;
  }
}

export class XenstoreSocketUnavailableError extends XoarError {
  readonly path: string;

  constructor(path: string, cause: unknown) {
    super('xenstore-socket-unavailable', `cannot serve XenStore on the unix socket ${path}`, {
      hint: 'check that the directory exists and is writable and that no other xenstored uses the path',
      cause,
    });
    this.path = path;
  }
}

/** The state log on disk cannot be read back: XenStore-State refuses to start rather than lose nodes. */
export class XenstoreStateLogCorruptError extends XoarError {
  constructor(file: string, line: number, cause: unknown) {
    super('xenstore-state-log-corrupt', `${file}, line ${line}: not a valid state log record`, {
      hint: 'the file was edited or the disk is damaged; restore the state directory from a backup (only an incomplete last line is repaired automatically)',
      cause,
    });
  }
}

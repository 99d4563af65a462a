import { XoarError } from '../errors/xoar-error.js';
import type { XenstoreChannel } from './channel.js';
import { XsMessageType } from './message-type.js';
import { terminatedStrings } from './payload.js';
import type { XsMessage } from './wire.js';

/** XenStore answered a request with an error (its errno name, as on the wire). */
export class XenstoreRequestError extends XoarError {
  constructor(
    readonly errno: string,
    operation: string,
    path: string,
  ) {
    super('xenstore-request-refused', `XenStore refused ${operation} ${path}: ${errno}`, { hint: hintFor(errno) });
  }
}

function hintFor(errno: string): string {
  switch (errno) {
    case 'ENOENT':
      return 'the node does not exist; list its parent to see what does';
    case 'EACCES':
      return 'this domain has no permission on the node; see its permissions with GET_PERMS (xenstore-ls -p)';
    case 'EINVAL':
      return 'the path is not valid: absolute paths start with /, use letters, digits and -/_@ only, no // or trailing /';
    case 'EAGAIN':
      return 'a transaction conflicted with another change; run it again';
    case 'EIO':
      return 'XenStore did not answer; check the host (xoar host status)';
    default:
      return 'see docs/misc/xenstore.txt for what the error means for this operation';
  }
}

/**
 * Typed XenStore requests over any channel: what `xoar xs` and service VMs use instead of
 * building frames. `txId` 0 is outside any transaction.
 */
export class XenstoreClient {
  private nextReqId = 1;

  constructor(private readonly channel: XenstoreChannel) {}

  async read(path: string, txId = 0): Promise<string> {
    return text(await this.call(XsMessageType.read, 'READ', path, [path], txId));
  }

  async write(path: string, value: string, txId = 0): Promise<void> {
    await this.send(XsMessageType.write, 'WRITE', path, Buffer.concat([Buffer.from(`${path}\0`, 'latin1'), Buffer.from(value, 'utf8')]), txId);
  }

  async list(path: string, txId = 0): Promise<string[]> {
    return terminatedStrings((await this.call(XsMessageType.directory, 'DIRECTORY', path, [path], txId)).payload);
  }

  async remove(path: string, txId = 0): Promise<void> {
    await this.call(XsMessageType.rm, 'RM', path, [path], txId);
  }

  async permissions(path: string, txId = 0): Promise<string[]> {
    return terminatedStrings((await this.call(XsMessageType.getPerms, 'GET_PERMS', path, [path], txId)).payload);
  }

  async setPermissions(path: string, perms: readonly string[], txId = 0): Promise<void> {
    await this.call(XsMessageType.setPerms, 'SET_PERMS', path, [path, ...perms], txId);
  }

  async watch(path: string, token: string): Promise<void> {
    await this.call(XsMessageType.watch, 'WATCH', path, [path, token]);
  }

  async unwatch(path: string, token: string): Promise<void> {
    await this.call(XsMessageType.unwatch, 'UNWATCH', path, [path, token]);
  }

  async startTransaction(): Promise<number> {
    return Number(terminatedStrings((await this.call(XsMessageType.transactionStart, 'TRANSACTION_START', '', [''])).payload)[0]);
  }

  /** Commits (or aborts); a conflict is XenstoreRequestError EAGAIN. */
  async endTransaction(txId: number, commit: boolean): Promise<void> {
    await this.call(XsMessageType.transactionEnd, 'TRANSACTION_END', String(txId), [commit ? 'T' : 'F'], txId);
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  private call(type: number, operation: string, path: string, args: readonly string[], txId = 0): Promise<XsMessage> {
    return this.send(type, operation, path, Buffer.from(args.map((arg) => `${arg}\0`).join(''), 'latin1'), txId);
  }

  private async send(type: number, operation: string, path: string, payload: Uint8Array, txId: number): Promise<XsMessage> {
    const reply = await this.channel.request({ type, reqId: this.nextReqId++, txId, payload });
    if (reply.type === XsMessageType.error) throw new XenstoreRequestError(terminatedStrings(reply.payload)[0] ?? '?', operation, path);
    return reply;
  }
}

/** A watch event's path and token. */
export function watchEventOf(message: XsMessage): { path: string; token: string } {
  const [path = '', token = ''] = terminatedStrings(message.payload);
  return { path, token };
}

function text(message: XsMessage): string {
  return Buffer.from(message.payload).toString('utf8');
}

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { BlockOperation, decodeBlockReply, encodeBlockRequest } from '../../shared/devices/block/block-wire.js';
import type { BlockReply, BlockRequest } from '../../shared/devices/block/block-wire.js';
import { BlockErrorCode } from '../../shared/devices/block/errors.js';
import { BlockClientClosedError, BlockRequestRefusedError } from './errors.js';

export interface BlockClientOptions {
  nc: NatsConnection;
  /** `subjects.rpcForGuest(host, backend, guest, 'vbd.<devid>')` */
  subject: string;
  /** A request unanswered this long is sent again; default 2 s. */
  timeoutMs?: number;
  /** Waits between attempts double from `initialMs` up to `maxMs`; default 5 ms to 500 ms. */
  backoff?: { initialMs: number; maxMs: number };
}

/** Codes that say the request itself is wrong: sending it again cannot succeed. Every other failure is retried. */
const DEFINITE_CODES: ReadonlySet<string> = new Set([BlockErrorCode.outOfBounds, BlockErrorCode.misaligned, BlockErrorCode.tooLarge, BlockErrorCode.malformed]);

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_BACKOFF = { initialMs: 5, maxMs: 500 };

type NewRequest = BlockRequest extends infer R ? (R extends BlockRequest ? Omit<R, 'id'> : never) : never;

/**
 * A guest's disk, as its block front-end sees it. Requests wait while the backend is not connected
 * (xenbus), and are sent again with the same id, with backoff, after a timeout, no responder, a
 * full ring or any failure but a definite one; those in flight when the backend disconnects are
 * sent again once it is back, without waiting for their timeout. The backend runs a request it
 * is already running once, and writing the same bytes again is safe. A request resolves only on
 * an ok reply.
 */
export class BlockClient {
  private retried = 0;
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private nextId = 1;
  private connected = false;
  private closed = false;
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  /** Resolves when the backend disconnects: the attempts in flight are abandoned. */
  private linkDown: Promise<undefined>;
  private dropLink: () => void = () => {};

  constructor(private readonly options: BlockClientOptions) {
    this.linkDown = this.nextLinkDown();
  }

  /** Requests sent again so far. */
  get retries(): number {
    return this.retried;
  }

  /** The front-end connected: requests flow. */
  connect(): void {
    this.connected = true;
    for (const { resolve } of this.waiting.splice(0)) resolve();
  }

  disconnect(): void {
    this.connected = false;
    this.dropLink();
    this.linkDown = this.nextLinkDown();
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const reply = await this.submit({ op: BlockOperation.read, offset, length });
    return reply.data ?? new Uint8Array(0);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    await this.submit({ op: BlockOperation.write, offset, data });
  }

  async flush(): Promise<void> {
    await this.submit({ op: BlockOperation.flush });
  }

  /** Every request not yet answered fails with BlockClientClosedError. */
  close(): void {
    this.closed = true;
    for (const { reject } of this.waiting.splice(0)) reject(new BlockClientClosedError());
  }

  private async submit(fields: NewRequest): Promise<Extract<BlockReply, { ok: true }>> {
    const request = { ...fields, id: `${this.idPrefix}-${this.nextId++}` } as BlockRequest;
    const what = 'offset' in request ? `${request.op} at ${request.offset}` : request.op;
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        this.retried++;
        await sleep(Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1)));
      }
      await this.whenConnected();
      const reply = await this.send(request);
      if (reply?.ok) return reply;
      if (reply !== undefined && DEFINITE_CODES.has(reply.error.code)) throw new BlockRequestRefusedError(what, reply.error);
    }
  }

  /** The reply, or undefined when none came (timeout, no responder, refused by the broker, unreadable, the backend gone). */
  private async send(request: BlockRequest): Promise<BlockReply | undefined> {
    if (!this.connected) return undefined;
    try {
      const msg = await Promise.race([this.options.nc.request(this.options.subject, encodeBlockRequest(request), { timeout: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS }), this.linkDown]);
      return msg === undefined ? undefined : decodeBlockReply(msg.data);
    } catch {
      return undefined;
    }
  }

  private nextLinkDown(): Promise<undefined> {
    return new Promise((resolve) => (this.dropLink = () => resolve(undefined)));
  }

  private whenConnected(): Promise<void> {
    if (this.closed) return Promise.reject(new BlockClientClosedError());
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}

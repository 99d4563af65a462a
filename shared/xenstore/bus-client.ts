import { randomBytes } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects } from '../bus/subjects.js';
import { decodeBusReply, encodeBusRequest, ReplyKind, RequestKind } from './bus-envelope.js';
import type { OpenChannel, XenstoreChannel } from './channel.js';
import { XsErrno } from './errno.js';
import { errorReply } from './logic.js';
import { decodeFrame, encodeMessage } from './wire.js';
import type { XsMessage } from './wire.js';

export interface XenstoreBusClientOptions {
  readonly nc: NatsConnection;
  readonly host: string;
  /** The domain this principal is; the broker refuses any other. */
  readonly domid: number;
  readonly onEvent?: (event: XsMessage) => void;
  /** A request unanswered this long is sent again (XenStore-Logic may have been rolled back). */
  readonly retryAfterMs?: number;
  /** A request unanswered this long is answered EIO: XenStore is down, the client must not hang. */
  readonly giveUpAfterMs?: number;
}

interface Outstanding {
  readonly frame: Uint8Array;
  readonly request: XsMessage;
  readonly since: number;
  reply?: XsMessage;
  readonly resolve: (reply: XsMessage) => void;
}

const DEFAULT_RETRY_AFTER_MS = 2_000;
const DEFAULT_GIVE_UP_AFTER_MS = 30_000;
const RESEND_DELAY_MS = 10;

/**
 * A XenStore session over the bus: what a domain uses instead of a ring, and what the unix
 * socket relays through. Requests are numbered; a request that gets no answer (its instance was
 * rolled back), a `resend`, or XenStore-Logic's `up` announcement make the client send every
 * unanswered request again, in order. XenStore-Logic answers a repeated request that changed
 * the store with the reply it recorded, so nothing is done twice. Replies resolve in request
 * order.
 */
export class XenstoreBusClient implements XenstoreChannel {
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly subscriptions: Subscription[] = [];
  private readonly subject: string;
  private nextSeq = 1;
  private acked = 0;
  private resendTimer: NodeJS.Timeout | undefined;
  private readonly watchdog: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly options: XenstoreBusClientOptions,
    readonly session: string,
  ) {
    this.subject = subjects.xenstoreRequest(options.host, options.domid, session);
    this.watchdog = setInterval(() => this.checkOverdue(), Math.min(this.retryAfterMs, 500));
    this.watchdog.unref();
  }

  static async open(options: XenstoreBusClientOptions): Promise<XenstoreBusClient> {
    const client = new XenstoreBusClient(options, randomBytes(9).toString('base64url'));
    const { nc, host, domid, onEvent } = options;
    client.subscriptions.push(
      nc.subscribe(subjects.xenstoreEvent(host, domid, client.session), {
        callback: (error, msg) => {
          const event = error ? undefined : decodeFrame(msg.data);
          if (event !== undefined) onEvent?.(event);
        },
      }),
      nc.subscribe(subjects.xenstoreUp(host), { callback: () => client.scheduleResend() }),
    );
    await nc.flush();
    return client;
  }

  request(message: XsMessage): Promise<XsMessage> {
    if (this.closed) return Promise.resolve(errorReply(message, XsErrno.EIO));
    const seq = this.nextSeq++;
    return new Promise((resolve) => {
      this.outstanding.set(seq, { frame: encodeMessage(message), request: message, since: Date.now(), resolve });
      this.send(seq);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    clearTimeout(this.resendTimer);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    for (const [seq, { request }] of this.outstanding) this.answer(seq, errorReply(request, XsErrno.EIO));
    try {
      await this.options.nc.request(this.subject, encodeBusRequest({ kind: RequestKind.close }), { timeout: 1_000 });
    } catch {
      // XenStore-Logic ends sessions of released domains too; a lost close only keeps a record.
    }
  }

  private get retryAfterMs(): number {
    return this.options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  }

  private send(seq: number): void {
    const outstanding = this.outstanding.get(seq);
    if (outstanding === undefined || outstanding.reply !== undefined) return;
    const data = encodeBusRequest({ kind: RequestKind.request, seq, acked: this.acked, frame: outstanding.frame });
    this.options.nc.request(this.subject, data, { timeout: this.retryAfterMs }).then(
      (msg) => {
        const reply = decodeBusReply(msg.data);
        if (reply?.kind === ReplyKind.resend) return this.scheduleResend();
        const frame = reply === undefined ? undefined : decodeFrame(reply.frame);
        if (frame !== undefined) this.answer(seq, frame);
      },
      () => this.scheduleResend(),
    );
  }

  /** Keeps the reply and resolves every request, in order, up to the first still unanswered. */
  private answer(seq: number, reply: XsMessage): void {
    const outstanding = this.outstanding.get(seq);
    if (outstanding === undefined || outstanding.reply !== undefined) return;
    outstanding.reply = reply;
    for (let next = this.outstanding.get(this.acked + 1); next?.reply !== undefined; next = this.outstanding.get(this.acked + 1)) {
      this.outstanding.delete(++this.acked);
      next.resolve(next.reply);
    }
  }

  private scheduleResend(): void {
    if (this.closed || this.resendTimer !== undefined) return;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = undefined;
      for (const seq of [...this.outstanding.keys()].sort((a, b) => a - b)) this.send(seq);
    }, RESEND_DELAY_MS);
  }

  private checkOverdue(): void {
    const now = Date.now();
    const giveUpAfterMs = this.options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
    for (const [seq, { request, since, reply }] of this.outstanding) {
      if (reply === undefined && now - since > giveUpAfterMs) this.answer(seq, errorReply(request, XsErrno.EIO));
    }
  }
}

/** Channels that are bus sessions of one domain: what the unix socket relays through. */
export function busChannels(options: Omit<XenstoreBusClientOptions, 'onEvent'>): OpenChannel {
  return (onEvent) => XenstoreBusClient.open({ ...options, onEvent });
}

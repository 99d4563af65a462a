import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { encodeMessage } from '../bus/messages.js';
import { type RawHandler, type RequestHandler, answer, serve, serveRaw } from '../bus/rpc.js';
import { subjectMatches } from '../bus/subject-match.js';
import { subjects } from '../bus/subjects.js';
import type { InstanceBootstrap } from '../drivers/driver.js';
import { XoarError } from '../errors/xoar-error.js';
import type { RequestLedger } from './request-ledger.js';

/** How often a standby runs its request path before it may be activated. */
const WARM_UP_ROUNDS = 500;

/**
 * The instance's request handlers, each a member of the service's queue group (`queue: id`), so
 * every request reaches exactly one instance. Handlers registered before `activate` wait for it.
 */
/** A handler of xoar requests (JSON in, a reply envelope out), or of a wire format of its own. */
type Handler = { rpc: RequestHandler } | { raw: RawHandler };

export class QueueServer {
  private readonly handlers = new Map<string, Handler>();
  private readonly subscriptions: Subscription[] = [];
  private active = false;
  private drained = false;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly spec: Omit<InstanceBootstrap, 'seed'>,
    /** A one-shot instance calls it once its one request is answered. */
    private readonly spent: () => void,
    /** Notes the sender of every request the instance accepts. */
    private readonly ledger: RequestLedger,
  ) {}

  /** Serves `op` (a subject pattern below the service's own: `ping`, `g.*.build`). */
  serve(op: string, handler: RequestHandler): void {
    this.add(op, { rpc: handler });
  }

  /** Serves `op` with a handler that speaks its own wire format (a block backend's requests, frames). */
  serveRaw(op: string, handler: RawHandler): void {
    this.add(op, { raw: handler });
  }

  private add(op: string, handler: Handler): void {
    this.handlers.set(op, handler);
    if (this.active && !this.drained && !this.spec.oneShot) this.subscribe(op, handler);
  }

  /**
   * A standby runs its request path (decode, the `ping` handler, encode) on requests of its own
   * a few hundred times, without the bus, so that its first real requests do not pay for cold code.
   */
  async warmUp(op: string, rounds = WARM_UP_ROUNDS): Promise<void> {
    const handler = this.handlers.get(op);
    if (handler === undefined || !('rpc' in handler)) return;
    const counted = this.counted(handler.rpc);
    const data = encodeMessage(null);
    const subject = subjects.rpc(this.spec.host, this.spec.id, op);
    for (let i = 0; i < rounds; i++) await answer(counted, { data, subject, reply: subject, respond: () => true });
  }

  /** Joins the queue group for every op; resolves once the broker has every subscription. */
  async activate(): Promise<void> {
    if (this.active) return;
    this.active = true;
    if (this.spec.oneShot) {
      this.subscribeOnce();
    } else {
      for (const [op, handler] of this.handlers) this.subscribe(op, handler);
    }
    await this.nc.flush();
  }

  /** One subscription for every op, that the broker ends after one request. */
  private subscribeOnce(): void {
    const prefix = subjects.rpc(this.spec.host, this.spec.id, '');
    const dispatch: RequestHandler = async (payload, subject) => {
      try {
        const op = subject.slice(prefix.length);
        const handler = [...this.handlers].find(([pattern, candidate]) => 'rpc' in candidate && subjectMatches(pattern, op))?.[1];
        if (handler === undefined || !('rpc' in handler)) throw new UnknownOpError(subject);
        return await handler.rpc(payload, subject);
      } finally {
        // The reply leaves once this settles: drain after it.
        setImmediate(this.spent);
      }
    };
    this.subscriptions.push(serve(this.nc, subjects.rpcAll(this.spec.host, this.spec.id), this.counted(dispatch), { queue: this.spec.id, max: 1, onAccept: this.noteSender }));
  }

  /** Leaves the queue group, then answers every request delivered before the broker took the leave. */
  async drain(): Promise<void> {
    this.drained = true;
    await Promise.all(this.subscriptions.map((subscription) => subscription.drain().catch(() => undefined)));
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    // The replies are queued once their handlers settle: let them be written, then flushed.
    await new Promise((resolve) => setImmediate(resolve));
    await this.nc.flush();
  }

  private subscribe(op: string, handler: Handler): void {
    const subject = subjects.rpc(this.spec.host, this.spec.id, op);
    const options = { queue: this.spec.id, onAccept: this.noteSender };
    this.subscriptions.push('rpc' in handler ? serve(this.nc, subject, this.counted(handler.rpc), options) : serveRaw(this.nc, subject, this.counted(handler.raw), options));
  }

  private readonly noteSender = (msg: Msg) => this.ledger.note(msg);

  private counted<A extends unknown[], R>(handler: (...args: A) => R | Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      this.inFlight += 1;
      try {
        return await handler(...args);
      } finally {
        this.inFlight -= 1;
        if (this.inFlight === 0) queueMicrotask(() => this.idle?.());
      }
    };
  }
}

export class UnknownOpError extends XoarError {
  constructor(subject: string) {
    super('unknown-op', `nothing is served on ${subject}`, { hint: 'check the operation name against the role it is sent to' });
  }
}


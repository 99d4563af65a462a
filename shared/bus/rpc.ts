import { setTimeout as sleep } from 'node:timers/promises';
import { type Msg, type NatsConnection, RequestError, type Subscription } from '@nats-io/transport-node';
import { XoarError, describeError } from '../errors/xoar-error.js';
import { type Reply, WIRE_VERSION, decodeMessage, encodeMessage } from './messages.js';

/** The other side answered a request with an error; its code, message and hint are kept. */
export class RemoteError extends XoarError {
  readonly subject: string;
  constructor(subject: string, error: { code: string; message: string; hint?: string }) {
    super(error.code, error.message, error.hint === undefined ? {} : { hint: error.hint });
    this.subject = subject;
  }
}

/** Nobody answered in time, or the broker refused the request. */
export class RequestFailedError extends XoarError {
  constructor(subject: string, cause: unknown) {
    super('request-failed', `request to ${subject} failed: ${describeError(cause)}`, {
      hint: 'check that the host is up (xoar host status) and that this principal is granted the subject',
      cause,
    });
  }
}

export type RequestHandler = (payload: unknown, subject: string) => unknown;

/**
 * Sends a request and returns the result, or throws what the responder reported. Nobody serving
 * the subject for a moment (a service between two instances) is waited out, up to the timeout.
 */
export async function request<T>(nc: NatsConnection, subject: string, payload: unknown, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const data = encodeMessage(payload);
  let answer: Uint8Array;
  for (let backoffMs = NO_RESPONDERS_BACKOFF_MS; ; backoffMs = Math.min(backoffMs * 2, NO_RESPONDERS_BACKOFF_MAX_MS)) {
    try {
      answer = (await nc.request(subject, data, { timeout: Math.max(1, deadline - Date.now()) })).data;
      break;
    } catch (error) {
      if (!(error instanceof RequestError && error.isNoResponders()) || Date.now() + backoffMs >= deadline) throw new RequestFailedError(subject, error);
      await sleep(backoffMs);
    }
  }
  return replyOf<T>(subject, answer);
}

const NO_RESPONDERS_BACKOFF_MS = 5;
const NO_RESPONDERS_BACKOFF_MAX_MS = 100;

function replyOf<T>(subject: string, data: Uint8Array): T {
  const reply = decodeMessage<Reply<T>>(data);
  if (reply === undefined) {
    throw new RequestFailedError(subject, new Error('the reply is not a xoar message of a known wire version'));
  }
  if (!reply.ok) throw new RemoteError(subject, reply.error);
  return reply.result;
}

export interface ServeOptions {
  /** Serve as one member of this queue group: each request reaches one member. */
  queue?: string;
  /** Stop after this many: the broker stops delivering (the unsubscribe travels with the subscribe). */
  max?: number;
  /** Called with each message as it arrives, before it is handled. */
  onAccept?: (msg: Msg) => void;
}

/** Answers every request on `subject` (the first `max`, if given) with the handler's result or its error. */
export function serve(nc: NatsConnection, subject: string, handler: RequestHandler, options: ServeOptions = {}): Subscription {
  return subscribeEach(nc, subject, options, (msg) => answer(handler, msg));
}

/** Answers a message with bytes of the handler's own format (block requests, frames), or not at all. */
export type RawHandler = (data: Uint8Array, subject: string) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/** `serve` for handlers that speak their own wire format: the reply (if any) is what the handler returns. */
export function serveRaw(nc: NatsConnection, subject: string, handler: RawHandler, options: ServeOptions = {}): Subscription {
  return subscribeEach(nc, subject, options, async (msg) => {
    const reply = await handler(msg.data, msg.subject);
    if (msg.reply && reply !== undefined) msg.respond(reply);
  });
}

function subscribeEach(nc: NatsConnection, subject: string, options: ServeOptions, onMessage: (msg: Msg) => Promise<void>): Subscription {
  return nc.subscribe(subject, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.max === undefined ? {} : { max: options.max }),
    callback: (error, msg) => {
      if (error) return;
      options.onAccept?.(msg);
      void onMessage(msg);
    },
  });
}

/** What `serve` does with one request: run the handler, reply with its result or its error. */
export async function answer(handler: RequestHandler, msg: Pick<Msg, 'data' | 'subject' | 'reply' | 'respond'>): Promise<void> {
  let reply: Reply<unknown>;
  try {
    const payload = msg.data.length === 0 ? undefined : JSON.parse(new TextDecoder().decode(msg.data));
    reply = { v: WIRE_VERSION, ok: true, result: (await handler(payload, msg.subject)) ?? null };
  } catch (failure) {
    reply = { v: WIRE_VERSION, ok: false, error: toWireError(failure) };
  }
  if (msg.reply) msg.respond(encodeMessage(reply));
}

function toWireError(failure: unknown): { code: string; message: string; hint?: string } {
  if (failure instanceof XoarError) return failure.toJSON();
  return { code: 'internal', message: describeError(failure) };
}

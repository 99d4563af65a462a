import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
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

/** Sends a request and returns the result, or throws what the responder reported. */
export async function request<T>(nc: NatsConnection, subject: string, payload: unknown, timeoutMs = 5_000): Promise<T> {
  let data: Uint8Array;
  try {
    data = (await nc.request(subject, encodeMessage(payload), { timeout: timeoutMs })).data;
  } catch (error) {
    throw new RequestFailedError(subject, error);
  }
  const reply = decodeMessage<Reply<T>>(data);
  if (reply === undefined) {
    throw new RequestFailedError(subject, new Error('the reply is not a xoar message of a known wire version'));
  }
  if (!reply.ok) throw new RemoteError(subject, reply.error);
  return reply.result;
}

/** Answers every request on `subject` (the first `max`, if given) with the handler's result or its error. */
export function serve(nc: NatsConnection, subject: string, handler: RequestHandler, options: { queue?: string; max?: number } = {}): Subscription {
  return nc.subscribe(subject, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    // The broker stops delivering after `max` messages (the unsubscribe travels with the subscribe).
    ...(options.max === undefined ? {} : { max: options.max }),
    callback: (error, msg) => {
      if (error) return;
      void answer(handler, msg);
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

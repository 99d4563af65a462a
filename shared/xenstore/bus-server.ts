import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects } from '../bus/subjects.js';
import type { Logger } from '../log/logger.js';
import { decodeBusRequest, encodeBusReply, ReplyKind, RequestKind } from './bus-envelope.js';
import type { XenstoreConnection } from './connection.js';
import type { WatchDelivery, XenstoreLogic } from './logic.js';
import { decodeFrame, encodeMessage } from './wire.js';

export interface XenstoreBusServerOptions {
  readonly nc: NatsConnection;
  readonly host: string;
  readonly logic: XenstoreLogic;
  /** The queue group the instances of one XenStore-Logic service share. */
  readonly queue: string;
  readonly log: Logger;
}

/**
 * XenStore-Logic's side of the bus transport. A request's subject names the domain the broker
 * authenticated and the client's session; the session keeps its order across instances: a
 * request that arrives ahead of ones this instance never saw is answered `resend`.
 */
export class XenstoreBusServer {
  private readonly lastSeq = new Map<string, number>();

  private constructor(private readonly options: XenstoreBusServerOptions) {}

  /** Serves, then announces on `xs.up` that clients should resend what went unanswered, and re-fires taken-over watches. */
  static async start(options: XenstoreBusServerOptions): Promise<Subscription> {
    const server = new XenstoreBusServer(options);
    const { nc, host, queue } = options;
    const subscription = nc.subscribe(subjects.xenstoreRequestAll(host), { queue, callback: (error, msg) => {
        if (!error) server.receive(msg);
      },
    });
    await nc.flush();
    nc.publish(subjects.xenstoreUp(host));
    server.deliver(options.logic.resumedWatchEvents());
    return subscription;
  }

  private receive(msg: Msg): void {
    const [, , , , domidToken, session] = msg.subject.split('.');
    const domid = Number(domidToken);
    const request = decodeBusRequest(msg.data);
    if (session === undefined || !Number.isInteger(domid) || request === undefined) {
      this.options.log.warn('dropped a malformed XenStore bus request', { subject: msg.subject });
      return;
    }
    const sessionId = `${domid}.${session}`;
    const { logic } = this.options;
    const connection = logic.session(sessionId, domid);
    if (request.kind === RequestKind.close) {
      this.lastSeq.delete(sessionId);
      void logic.disconnect(connection).then(() => msg.respond());
      return;
    }
    const message = decodeFrame(request.frame);
    if (message === undefined) {
      this.options.log.warn('dropped a XenStore bus request that is not one whole frame', { subject: msg.subject });
      return;
    }
    const expected = (this.lastSeq.get(sessionId) ?? request.acked) + 1;
    if (request.seq > expected) {
      msg.respond(encodeBusReply({ kind: ReplyKind.resend }));
      return;
    }
    this.lastSeq.set(sessionId, Math.max(request.seq, this.lastSeq.get(sessionId) ?? 0));
    logic.handle(connection, message, { seq: request.seq, acked: request.acked }).then(
      ({ reply, events }) => {
        msg.respond(encodeBusReply({ kind: ReplyKind.reply, frame: encodeMessage(reply) }));
        this.deliver(events);
      },
      (error: unknown) => this.options.log.error('a XenStore request failed', { subject: msg.subject, error: String(error) }),
    );
  }

  private deliver(deliveries: readonly WatchDelivery[]): void {
    for (const { connection, message } of deliveries) {
      const subject = eventSubject(this.options.host, connection);
      if (subject !== undefined) this.options.nc.publish(subject, encodeMessage(message));
    }
  }
}

function eventSubject(host: string, connection: XenstoreConnection): string | undefined {
  if (connection.sessionId === undefined) return undefined;
  const session = connection.sessionId.slice(connection.sessionId.indexOf('.') + 1);
  return subjects.xenstoreEvent(host, connection.domid, session);
}

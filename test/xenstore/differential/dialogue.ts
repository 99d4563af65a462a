import { XsMessageType } from '../../../shared/xenstore/message-type.js';
import type { XsMessage } from '../../../shared/xenstore/wire.js';
import { RawXenstoreClient } from '../support/raw-xenstore-client.js';

/** A request payload: raw text (latin1, sent as is), a list of strings (each NUL-terminated), or bytes. */
export type Payload = string | readonly string[] | Uint8Array;

export interface DialogueRequest {
  readonly type: number;
  readonly payload?: Payload;
  readonly txId?: number;
  /** Chosen by the dialogue (1, 2, 3 …) unless given. */
  readonly reqId?: number;
}

/** One message as the server sent it; txId is a string so that normalising may name it. */
export interface Received {
  readonly connection: number;
  readonly type: string;
  readonly reqId: number;
  readonly txId: string;
  readonly payload: string;
}

/** What one step of a dialogue brought back, on every open connection, in arrival order per connection. */
export interface RecordedStep {
  readonly label: string;
  readonly received: readonly Received[];
  /** Connections the server closed during the step. */
  readonly closed: readonly number[];
}

/** req_id of the request that marks the end of a step on each connection; no scenario uses it. */
const SYNC_REQ_ID = 0xfffffff0;
const TYPE_NAMES = new Map<number, string>(Object.entries(XsMessageType).map(([name, type]) => [type, name]));

export function payloadBytes(payload: Payload = ''): Buffer {
  if (typeof payload === 'string') return Buffer.from(payload, 'latin1');
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  return Buffer.from(payload.map((part) => `${part}\0`).join(''), 'latin1');
}

export const text = (message: XsMessage): string => Buffer.from(message.payload).toString('latin1');

/**
 * Talks to one XenStore server over numbered connections (opened on first use) and records,
 * step by step, everything the server sends back. After each step every open connection
 * makes a round trip, so watch events a step fires land in that step on both servers alike.
 */
export class Dialogue {
  readonly steps: RecordedStep[] = [];
  private readonly connections = new Map<number, RawXenstoreClient>();
  private nextReqId = 1;

  constructor(private readonly socketPath: string) {}

  /** Sends one request on `connection` and returns its reply. */
  async request(request: DialogueRequest, connection = 0): Promise<XsMessage> {
    const [reply] = await this.pipeline([request], connection);
    return reply as XsMessage;
  }

  /** Sends requests back to back in one write on `connection` and returns their replies. */
  async pipeline(requests: readonly DialogueRequest[], connection = 0): Promise<XsMessage[]> {
    const client = await this.connection(connection);
    const messages = requests.map((request) => ({
      type: request.type,
      reqId: request.reqId ?? this.nextReqId++,
      txId: request.txId ?? 0,
      payload: payloadBytes(request.payload),
    }));
    client.send(...messages);
    const label = messages.map((m) => `c${connection} ${TYPE_NAMES.get(m.type) ?? m.type} tx=${m.txId} ${JSON.stringify(text(m))}`).join(' | ');
    const step = await this.finishStep(label, new Map([[connection, messages.length]]));
    return step.received.filter((r) => r.connection === connection && r.type !== 'watchEvent').map((r) => fromReceived(r));
  }

  /** Writes bytes no encoder would make on `connection` and records what comes back. */
  async sendBytes(bytes: Uint8Array, label: string, connection = 0): Promise<RecordedStep> {
    (await this.connection(connection)).sendBytes(bytes);
    return this.finishStep(`c${connection} ${label}`, new Map());
  }

  close(): void {
    for (const client of this.connections.values()) client.close();
    this.connections.clear();
  }

  private async connection(index: number): Promise<RawXenstoreClient> {
    let client = this.connections.get(index);
    if (!client) {
      client = await RawXenstoreClient.connect(this.socketPath);
      this.connections.set(index, client);
    }
    return client;
  }

  /**
   * Waits for the replies due on each connection, then makes every open connection do a round
   * trip, and collects what each received up to that reply.
   */
  private async finishStep(label: string, repliesDue: ReadonlyMap<number, number>): Promise<RecordedStep> {
    const received = new Map<number, Received[]>();
    const closed: number[] = [];
    const collect = async (index: number, client: RawXenstoreClient, isLast: (message: XsMessage, replies: number) => boolean): Promise<void> => {
      const messages = received.get(index) ?? [];
      received.set(index, messages);
      for (let replies = 0; ; ) {
        const [message] = (await client.next(1)) as [XsMessage];
        if (message.type !== XsMessageType.watchEvent) replies++;
        if (message.reqId === SYNC_REQ_ID && message.type !== XsMessageType.watchEvent) return;
        messages.push(toReceived(index, message));
        if (isLast(message, replies)) return;
      }
    };
    const everyConnection = async (collectFrom: (index: number, client: RawXenstoreClient) => Promise<void>): Promise<void> => {
      for (const [index, client] of [...this.connections].sort(([a], [b]) => a - b)) {
        try {
          await collectFrom(index, client);
        } catch {
          closed.push(index);
          client.close();
          this.connections.delete(index);
        }
      }
    };
    await everyConnection(async (index, client) => {
      const due = repliesDue.get(index) ?? 0;
      if (due > 0) await collect(index, client, (message, replies) => message.type !== XsMessageType.watchEvent && replies === due);
    });
    await everyConnection(async (index, client) => {
      client.send({ type: XsMessageType.getDomainPath, reqId: SYNC_REQ_ID, txId: 0, payload: payloadBytes(['0']) });
      await collect(index, client, () => false);
    });
    const step = { label, received: [...received].sort(([a], [b]) => a - b).flatMap(([, messages]) => messages), closed };
    this.steps.push(step);
    return step;
  }
}

function toReceived(connection: number, message: XsMessage): Received {
  return { connection, type: TYPE_NAMES.get(message.type) ?? String(message.type), reqId: message.reqId, txId: String(message.txId), payload: text(message) };
}

function fromReceived(received: Received): XsMessage {
  const type = Object.entries(XsMessageType).find(([name]) => name === received.type)?.[1] ?? Number(received.type);
  return { type, reqId: received.reqId, txId: Number(received.txId), payload: Buffer.from(received.payload, 'latin1') };
}

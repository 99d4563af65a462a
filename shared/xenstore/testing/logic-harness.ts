/**
 * Drives XenstoreLogic in tests without sockets: clients per domain, replies as plain answers,
 * and watch events routed into each client's inbox.
 */
import type { XenstoreConnection } from '../connection.js';
import { InMemoryXenstoreState } from '../in-memory-state.js';
import { XenstoreLogic } from '../logic.js';
import type { XenstoreLogicOptions } from '../logic.js';
import { XsMessageType } from '../message-type.js';
import { terminatedStrings } from '../payload.js';
import type { XenstoreState } from '../state.js';
import type { XsMessage } from '../wire.js';

export type Answer = { readonly ok: string } | { readonly error: string };

export function ok(text = 'OK'): Answer {
  return { ok: text };
}

export function failed(errno: string): Answer {
  return { error: errno };
}

export interface ReceivedEvent {
  readonly path: string;
  readonly token: string;
}

export class TestClient {
  readonly events: ReceivedEvent[] = [];
  private nextReqId = 1;

  constructor(
    private readonly harness: LogicHarness,
    readonly connection: XenstoreConnection,
  ) {}

  /** Sends a raw request; the reply comes back as the whole message. */
  async send(type: number, payload: Uint8Array, txId = 0): Promise<XsMessage> {
    return this.harness.exchange(this, { type, reqId: this.nextReqId++, txId, payload });
  }

  /** Sends NUL-terminated arguments; answers with the reply text (without its trailing NUL) or the errno. */
  async call(type: number, args: readonly string[], txId = 0): Promise<Answer> {
    const reply = await this.send(type, Buffer.from(args.map((arg) => `${arg}\0`).join(''), 'latin1'), txId);
    const text = Buffer.from(reply.payload).toString('latin1');
    return reply.type === XsMessageType.error ? failed(text.replace(/\0$/, '')) : ok(text.replace(/\0$/, ''));
  }

  read(path: string, txId = 0): Promise<Answer> {
    return this.call(XsMessageType.read, [path], txId);
  }

  async write(path: string, value: string, txId = 0): Promise<Answer> {
    const reply = await this.send(XsMessageType.write, Buffer.from(`${path}\0${value}`, 'latin1'), txId);
    const text = Buffer.from(reply.payload).toString('latin1').replace(/\0$/, '');
    return reply.type === XsMessageType.error ? failed(text) : ok(text);
  }

  mkdir(path: string, txId = 0): Promise<Answer> {
    return this.call(XsMessageType.mkdir, [path], txId);
  }

  rm(path: string, txId = 0): Promise<Answer> {
    return this.call(XsMessageType.rm, [path], txId);
  }

  async directory(path: string, txId = 0): Promise<string[] | Answer> {
    const reply = await this.send(XsMessageType.directory, Buffer.from(`${path}\0`, 'latin1'), txId);
    return reply.type === XsMessageType.error ? failed(terminatedStrings(reply.payload)[0] ?? '') : terminatedStrings(reply.payload);
  }

  async getPerms(path: string, txId = 0): Promise<string[] | Answer> {
    const reply = await this.send(XsMessageType.getPerms, Buffer.from(`${path}\0`, 'latin1'), txId);
    return reply.type === XsMessageType.error ? failed(terminatedStrings(reply.payload)[0] ?? '') : terminatedStrings(reply.payload);
  }

  setPerms(path: string, perms: readonly string[], txId = 0): Promise<Answer> {
    return this.call(XsMessageType.setPerms, [path, ...perms], txId);
  }

  watch(path: string, token: string): Promise<Answer> {
    return this.call(XsMessageType.watch, [path, token]);
  }

  unwatch(path: string, token: string): Promise<Answer> {
    return this.call(XsMessageType.unwatch, [path, token]);
  }

  /** Starts a transaction and returns its id (throws if refused: tests expect it to start). */
  async startTransaction(): Promise<number> {
    const answer = await this.call(XsMessageType.transactionStart, ['']);
    if (!('ok' in answer)) throw new Error(`TRANSACTION_START refused: ${answer.error}`);
    return Number(answer.ok);
  }

  endTransaction(txId: number, commit: boolean): Promise<Answer> {
    return this.call(XsMessageType.transactionEnd, [commit ? 'T' : 'F'], txId);
  }

  /** Takes the events received so far. */
  takeEvents(): ReceivedEvent[] {
    return this.events.splice(0);
  }
}

export class LogicHarness {
  private readonly clients = new Map<XenstoreConnection, TestClient>();

  private constructor(
    readonly logic: XenstoreLogic,
    readonly state: XenstoreState,
  ) {}

  static async open(options: Partial<XenstoreLogicOptions> = {}): Promise<LogicHarness> {
    const state = options.state ?? new InMemoryXenstoreState();
    return new LogicHarness(await XenstoreLogic.open({ ...options, state }), state);
  }

  client(domid: number): TestClient {
    const client = new TestClient(this, this.logic.connect(domid));
    this.clients.set(client.connection, client);
    return client;
  }

  async exchange(client: TestClient, request: XsMessage): Promise<XsMessage> {
    const { reply, events } = await this.logic.handle(client.connection, request);
    for (const { connection, message } of events) {
      const [path = '', token = ''] = terminatedStrings(message.payload);
      this.clients.get(connection)?.events.push({ path, token });
    }
    return reply;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeMessage } from '../bus/messages.js';
import { auditStreamName, subjects } from '../bus/subjects.js';
import { XoarError, describeError } from '../errors/xoar-error.js';
import { type AuditKind, AuditKind as Kind, type AuditRecord, type DependencyEdge, GENESIS_HASH, type RequestAccepted, type SnapshotTaken } from './audit-record.js';
import { canonicalBytes, recordHash } from './record-hash.js';

export class AuditWriteError extends XoarError {
  constructor(kind: string, cause: unknown) {
    super('audit-write-failed', `could not append a "${kind}" record to the audit stream: ${describeError(cause)}`, {
      hint: 'the broker or its JetStream store is unavailable; check the host log and the disk',
      cause,
    });
  }
}

export class AuditChainHeadError extends XoarError {
  constructor(stream: string, seq: number) {
    super('audit-chain-head-unreadable', `the last message of the audit stream ${stream} (seq ${seq}) is not a chained audit record, so the log cannot be continued`, {
      hint: 'run `xoar audit verify` to see what was written there; to start a fresh log, move the host\'s broker directory aside',
    });
  }
}

/** Where the writer's chain stands: the last record's position and hash. */
interface ChainHead {
  n: number;
  hash: string;
}

const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;
const PUBLISH_ATTEMPTS = 8;
const RETRY_DELAY_MS = 25;

/**
 * The host's audit stream (JetStream, file storage). Appends are serialised, so the stream
 * order is the order of `append` calls, and each carries a message id so that a retried
 * publish is stored once. Each record is chained to the one before it (`n`, `prev`); the
 * chain head is read back from the stream when the log opens, so a restarted writer
 * continues the chain. An append resolves when JetStream acknowledged it durably.
 */
export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();
  private counter = 0;
  private readonly writerId = randomUUID();
  /** Unknown after a failed append (it may have been stored): read again before the next one. */
  private head: ChainHead | undefined;

  private constructor(
    private readonly host: string,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nc: NatsConnection, host: string): Promise<AuditLog> {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, host);
    const log = new AuditLog(host, jetstream(nc), jsm);
    log.head = await readChainHead(jsm, host);
    return log;
  }

  append(kind: AuditKind, component: string, data: Record<string, unknown> = {}): Promise<number> {
    const at = new Date().toISOString();
    const msgID = `${this.writerId}-${++this.counter}`;
    const appended = this.tail.then(() => this.chainAndPublish(msgID, { at, kind, component, data }));
    this.tail = appended.catch(() => undefined);
    return appended;
  }

  /** A guest starts or stops relying on a service VM. */
  appendDependency(edge: DependencyEdge): Promise<number> {
    return this.append(Kind.dependency, edge.guest, { ...edge });
  }

  /** A service VM's clean snapshot was taken. */
  appendSnapshot(service: string, snapshot: SnapshotTaken): Promise<number> {
    return this.append(Kind.snapshot, service, { ...snapshot });
  }

  /** A service VM accepted a request from another principal. */
  appendRequest(request: RequestAccepted): Promise<number> {
    return this.append(Kind.request, request.to, { ...request });
  }

  private async chainAndPublish(msgID: string, content: Pick<AuditRecord, 'at' | 'kind' | 'component' | 'data'>): Promise<number> {
    const head = this.head ?? (await readChainHead(this.jsm, this.host));
    this.head = undefined;
    const record: AuditRecord = { v: 1, host: this.host, n: head.n + 1, prev: head.hash, ...content };
    const seq = await this.publishWithRetry(record.kind, canonicalBytes(record), msgID);
    this.head = { n: record.n, hash: recordHash(record) };
    return seq;
  }

  /**
   * JetStream can be briefly unavailable (the broker answers "no responders" while it reloads
   * its configuration): retry with the same message id, which the stream stores only once.
   */
  private async publishWithRetry(kind: AuditKind, data: Uint8Array, msgID: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.js.publish(subjects.audit(this.host, kind), data, { msgID })).seq;
      } catch (error) {
        if (attempt === PUBLISH_ATTEMPTS) throw new AuditWriteError(kind, error);
        await sleep(RETRY_DELAY_MS * attempt);
      }
    }
  }

  /** Resolves once every append so far is acknowledged (or failed). */
  async flush(): Promise<void> {
    await this.tail;
  }
}

/** The chain head from the stream's last stored message (the genesis for an empty stream). */
async function readChainHead(jsm: JetStreamManager, host: string): Promise<ChainHead> {
  const name = auditStreamName(host);
  const { state } = await jsm.streams.info(name);
  for (let seq = state.last_seq; seq >= state.first_seq && seq > 0; seq--) {
    const stored = await jsm.streams.getMessage(name, { seq });
    if (stored === null) continue;
    const record = decodeMessage<AuditRecord>(stored.data);
    if (record === undefined || !Number.isSafeInteger(record.n)) throw new AuditChainHeadError(name, seq);
    return { n: record.n, hash: recordHash(record) };
  }
  return { n: 0, hash: GENESIS_HASH };
}

async function ensureStream(jsm: JetStreamManager, host: string): Promise<void> {
  const name = auditStreamName(host);
  try {
    await jsm.streams.info(name);
  } catch {
    await jsm.streams.add({
      name,
      subjects: [subjects.auditAll(host)],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: DUPLICATE_WINDOW_NS,
    });
  }
}

export { readAudit } from './read-audit.js';

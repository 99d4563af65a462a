import { randomUUID } from 'node:crypto';
import { DeliverPolicy, type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeMessage, encodeMessage } from '../bus/messages.js';
import { auditStreamName, subjects } from '../bus/subjects.js';
import { XoarError, describeError } from '../errors/xoar-error.js';
import type { AuditKind, AuditRecord } from './audit-record.js';

export class AuditWriteError extends XoarError {
  constructor(kind: string, cause: unknown) {
    super('audit-write-failed', `could not append a "${kind}" record to the audit stream: ${describeError(cause)}`, {
      hint: 'the broker or its JetStream store is unavailable; check the host log and the disk',
      cause,
    });
  }
}

const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;
const PUBLISH_ATTEMPTS = 8;
const RETRY_DELAY_MS = 25;

/**
 * The host's audit stream (JetStream, file storage). Appends are serialised, so the stream
 * order is the order of `append` calls, and each carries a message id so that a retried
 * publish is stored once. An append resolves when JetStream acknowledged it durably.
 */
export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();
  private counter = 0;
  private readonly writerId = randomUUID();

  private constructor(
    private readonly host: string,
    private readonly js: JetStreamClient,
  ) {}

  static async open(nc: NatsConnection, host: string): Promise<AuditLog> {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, host);
    return new AuditLog(host, jetstream(nc));
  }

  append(kind: AuditKind, component: string, data: Record<string, unknown> = {}): Promise<number> {
    const record: AuditRecord = { v: 1, host: this.host, at: new Date().toISOString(), kind, component, data };
    const msgID = `${this.writerId}-${++this.counter}`;
    const appended = this.tail.then(() => this.publishWithRetry(kind, encodeMessage(record), msgID));
    this.tail = appended.catch(() => undefined);
    return appended;
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
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
      }
    }
  }

  /** Resolves once every append so far is acknowledged (or failed). */
  async flush(): Promise<void> {
    await this.tail;
  }
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

/** Reads a host's audit records in order, optionally only some kinds (nats 2.9 takes one filter: filter here). */
export async function readAudit(nc: NatsConnection, host: string, options: { kinds?: AuditKind[] } = {}): Promise<AuditRecord[]> {
  const consumer = await jetstream(nc).consumers.get(auditStreamName(host), { deliver_policy: DeliverPolicy.All });
  const records: AuditRecord[] = [];
  if ((await consumer.info(true)).num_pending === 0) return records;
  for await (const msg of await consumer.consume()) {
    const record = decodeMessage<AuditRecord>(msg.data);
    if (record && (options.kinds === undefined || options.kinds.includes(record.kind))) records.push({ ...record, seq: msg.seq });
    if (msg.info.pending === 0) break;
  }
  return records;
}

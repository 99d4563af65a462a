import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeMessage } from '../bus/messages.js';
import { auditStreamName } from '../bus/subjects.js';
import type { AuditKind, AuditRecord } from './audit-record.js';

export interface ReadAuditOptions {
  /** Only these kinds (nats 2.9 takes one filter: filtered here). */
  kinds?: AuditKind[];
  /** From this stream sequence on (default: the first). */
  fromSeq?: number;
  /**
   * Keep messages that are not audit records (not JSON, unknown version) as stand-ins with
   * `component` "?", no chain position (`n` NaN) and the text in `data.unreadable`, so that
   * a verifier sees them; by default they are skipped.
   */
  keepUnreadable?: boolean;
}

/** Reads a host's audit records in stream order, each with its stream sequence. */
export async function readAudit(nc: NatsConnection, host: string, options: ReadAuditOptions = {}): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const record of auditRecords(nc, host, { ...options, follow: false })) records.push(record);
  return records;
}

/** The records of a host's audit stream as they are stored; with `follow`, then each new one as it is appended. */
export async function* auditRecords(nc: NatsConnection, host: string, options: ReadAuditOptions & { follow: boolean }): AsyncGenerator<AuditRecord> {
  const start = options.fromSeq === undefined ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.fromSeq };
  const consumer = await jetstream(nc).consumers.get(auditStreamName(host), start);
  if (!options.follow && (await consumer.info(true)).num_pending === 0) return;
  const messages = await consumer.consume();
  try {
    for await (const msg of messages) {
      const record = decodeMessage<AuditRecord>(msg.data) ?? (options.keepUnreadable ? unreadable(host, msg.subject, msg.data, msg.info.timestampNanos) : undefined);
      if (record && (options.kinds === undefined || options.kinds.includes(record.kind))) yield { ...record, seq: msg.seq };
      if (!options.follow && msg.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
}

function unreadable(host: string, subject: string, data: Uint8Array, timestampNanos: number): AuditRecord {
  return {
    v: 1,
    host,
    n: Number.NaN,
    prev: '',
    at: new Date(timestampNanos / 1e6).toISOString(),
    kind: subject.split('.').at(-1) as AuditKind,
    component: '?',
    data: { unreadable: new TextDecoder().decode(data).slice(0, 200) },
  };
}

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import { XoarError, describeError } from '../errors/xoar-error.js';
import { AuditIndex, type AuditIndexJson } from './audit-index.js';
import { readAudit } from './read-audit.js';

export class AuditCheckpointWriteError extends XoarError {
  constructor(file: string, cause: unknown) {
    super('audit-checkpoint-write-failed', `could not save the audit index checkpoint to ${file}: ${describeError(cause)}`, {
      hint: 'pass --index FILE with a path you may write to',
      cause,
    });
  }
}

export interface CheckpointedIndex {
  index: AuditIndex;
  /** Records read from the stream this time (the tail after the checkpoint, or all of it). */
  read: number;
  /** Why the checkpoint was not used, when it was not. */
  rebuilt: 'no checkpoint' | 'checkpoint unreadable' | 'stream changed under the checkpoint' | null;
}

/**
 * A host's audit index from its checkpoint file plus the records appended since, then saved
 * again. The tail must link to the checkpoint's last record (its hash); if it does not,
 * the stream was rewritten under the checkpoint and the index is rebuilt from the start.
 */
export async function loadCheckpointedIndex(nc: NatsConnection, host: string, file: string): Promise<CheckpointedIndex> {
  const saved = readCheckpoint(file);
  let index = saved.index ?? new AuditIndex();
  let rebuilt: CheckpointedIndex['rebuilt'] = saved.index === undefined ? saved.why : null;
  const head = index.head;
  let records = await readAudit(nc, host, head === null ? {} : { fromSeq: head.seq + 1 });
  if (head !== null && records[0] !== undefined && records[0].prev !== head.hash) {
    index = new AuditIndex();
    rebuilt = 'stream changed under the checkpoint';
    records = await readAudit(nc, host);
  }
  for (const record of records) index.add(record);
  writeCheckpoint(file, index);
  return { index, read: records.length, rebuilt };
}

function readCheckpoint(file: string): { index: AuditIndex; why?: never } | { index?: never; why: 'no checkpoint' | 'checkpoint unreadable' } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { why: 'no checkpoint' };
  }
  try {
    const json = JSON.parse(text) as AuditIndexJson;
    if (json.v !== 1) return { why: 'checkpoint unreadable' };
    return { index: AuditIndex.fromJSON(json) };
  } catch {
    return { why: 'checkpoint unreadable' };
  }
}

/** Written beside, then renamed: a reader never sees half a checkpoint. */
function writeCheckpoint(file: string, index: AuditIndex): void {
  const partial = `${file}.partial`;
  try {
    writeFileSync(partial, JSON.stringify(index), { mode: 0o600 });
    renameSync(partial, file);
  } catch (error) {
    throw new AuditCheckpointWriteError(file, error);
  }
}

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import { XoarError, describeError } from '../errors/xoar-error.js';
import { AuditIndex, type AuditIndexJson, INDEX_FORMAT } from './audit-index.js';
import type { AuditRecord } from './audit-record.js';
import { recordHash } from './record-hash.js';
import { readAudit } from './read-audit.js';

export class AuditCheckpointWriteError extends XoarError {
  constructor(file: string, cause: unknown) {
    super('audit-checkpoint-write-failed', `could not save the audit index checkpoint to ${file}: ${describeError(cause)}`, {
      hint: 'pass --index FILE with a path you may write to',
      cause,
    });
  }
}

export const Rebuilt = {
  noCheckpoint: 'no checkpoint',
  checkpointUnreadable: 'checkpoint unreadable',
  /** The checkpoint's last record is no longer in the stream as it was: the stream was replaced, or that record deleted or rewritten. */
  streamChanged: 'stream changed under the checkpoint',
} as const;
export type Rebuilt = (typeof Rebuilt)[keyof typeof Rebuilt];

export interface CheckpointedIndex {
  index: AuditIndex;
  /** Why the index was built from the whole stream instead of the checkpoint, when it was. */
  rebuilt: Rebuilt | null;
}

/**
 * A host's audit index from its checkpoint file plus the records appended since, then saved
 * again. The checkpoint's last record must still be in the stream, at its sequence, with
 * its hash; if not, the stream changed under the checkpoint and the index is rebuilt.
 */
export async function loadCheckpointedIndex(nc: NatsConnection, host: string, file: string): Promise<CheckpointedIndex> {
  const saved = readCheckpoint(file);
  const head = saved.index?.head ?? null;
  if (saved.index === undefined || head === null) return { index: rebuild(file, await readAudit(nc, host)), rebuilt: saved.why ?? null };
  const [last, ...tail] = await readAudit(nc, host, { fromSeq: head.seq });
  if (last === undefined || last.seq !== head.seq || recordHash(last) !== head.hash) return { index: rebuild(file, await readAudit(nc, host)), rebuilt: Rebuilt.streamChanged };
  for (const record of tail) saved.index.add(record);
  writeCheckpoint(file, saved.index);
  return { index: saved.index, rebuilt: null };
}

function rebuild(file: string, records: readonly AuditRecord[]): AuditIndex {
  const index = new AuditIndex();
  for (const record of records) index.add(record);
  writeCheckpoint(file, index);
  return index;
}

function readCheckpoint(file: string): { index: AuditIndex; why?: never } | { index?: never; why: Rebuilt } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { why: Rebuilt.noCheckpoint };
  }
  try {
    const json = JSON.parse(text) as AuditIndexJson;
    if (json.v !== INDEX_FORMAT) return { why: Rebuilt.checkpointUnreadable };
    return { index: AuditIndex.fromJSON(json) };
  } catch {
    return { why: Rebuilt.checkpointUnreadable };
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

import type { XenstoreConnection, XsTransaction } from './connection.js';
import type { Refusal } from './errno.js';
import type { XenstoreQuotas } from './quotas.js';
import type { TreeView } from './tree-view.js';
import type { XsMessage } from './wire.js';

export interface OperationContext {
  readonly connection: XenstoreConnection;
  readonly request: XsMessage;
  /** The request's transaction, for operations that take part in transactions. */
  readonly transaction: XsTransaction | undefined;
  /** Where to read and write: the transaction's view, or a fresh one committed after the request. */
  readonly view: TreeView;
  readonly quotas: XenstoreQuotas;
}

export interface OperationSuccess {
  readonly reply: Uint8Array;
  /** Messages for the caller after the reply (the first event of a new watch). */
  readonly followUps?: readonly XsMessage[];
  /** A transaction's view to commit before replying; a conflict turns the reply into EAGAIN. */
  readonly commitTransaction?: TreeView;
}

export interface Operation {
  readonly run: (context: OperationContext) => Promise<OperationSuccess | Refusal>;
  /** Only the control domain may send it (xenstored's XS_FLAG_PRIV); others get EACCES. */
  readonly privileged?: boolean;
  /** Reads and writes through the request's transaction (tx_id); others act on the store directly. */
  readonly transactional?: boolean;
  /** Ignores tx_id altogether, even an unknown one (xenstored's XS_FLAG_NOTID: WATCH, UNWATCH). */
  readonly ignoresTransactionId?: boolean;
}

export const OK_REPLY: Uint8Array = Buffer.from('OK\0', 'latin1');

export function replyWith(reply: Uint8Array): OperationSuccess {
  return { reply };
}

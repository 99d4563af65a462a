import { isSameOrBelow } from './path.js';
import { isPrivileged } from './permissions.js';
import type { SessionRecord, StoredSession } from './session.js';
import type { TreeView } from './tree-view.js';
import type { XsWatch } from './watch.js';

export interface XsTransaction {
  readonly id: number;
  readonly view: TreeView;
  /**
   * Its view died with an earlier Logic instance: it goes on against a fresh view, as a
   * conflicting transaction does in xenstored, and its end is EAGAIN.
   */
  readonly doomed?: boolean;
}

const TRANSACTION_ID_MAX = 0xffff_ffff;

/**
 * One client of the store and what it holds: its domain id (the unix socket is domain 0; a bus
 * transport passes the authenticated one), the subtrees delegated to its domain (see
 * delegation.ts), its watches and its open transactions. A connection
 * of the bus transport has a session id: its watches and transaction ids are recorded in the
 * state, and a new Logic instance takes it over (see session.ts).
 */
export class XenstoreConnection {
  readonly watches: XsWatch[] = [];
  readonly transactions = new Map<number, XsTransaction>();
  private nextTransactionId = 1;
  /** A new session is recorded with the first request that changes the store. */
  private recordChanged: boolean;

  constructor(
    readonly domid: number,
    readonly sessionId?: string,
    private readonly delegatedPaths: readonly string[] = [],
  ) {
    this.recordChanged = sessionId !== undefined;
  }

  /** The connection of a recorded session, as an earlier Logic instance left it; its transactions are doomed. */
  static resume(sessionId: string, session: StoredSession, freshView: () => TreeView, delegatedPaths: readonly string[]): XenstoreConnection {
    const connection = new XenstoreConnection(session.domid, sessionId, delegatedPaths);
    connection.watches.push(...session.watches);
    for (const id of session.transactions) connection.transactions.set(id, { id, view: freshView(), doomed: true });
    connection.nextTransactionId = Math.max(0, ...session.transactions) + 1;
    connection.recordChanged = false;
    return connection;
  }

  /** Whether it has the control domain's rights on the node at `path`: domain 0 everywhere, others under their delegated paths. */
  controls(path: string): boolean {
    return isPrivileged(this.domid) || this.delegatedPaths.some((root) => isSameOrBelow(path, root));
  }

  addWatch(watch: XsWatch): void {
    this.watches.push(watch);
    this.recordChanged = true;
  }

  removeWatch(index: number): void {
    this.watches.splice(index, 1);
    this.recordChanged = true;
  }

  openTransaction(view: TreeView): number {
    const id = this.allocateTransactionId();
    this.transactions.set(id, { id, view });
    this.recordChanged = true;
    return id;
  }

  endTransaction(id: number): void {
    this.transactions.delete(id);
    this.recordChanged = true;
  }

  /** RESET_WATCHES, or the connection going away: forget watches and abort transactions. */
  reset(): void {
    this.watches.length = 0;
    this.transactions.clear();
    this.recordChanged = true;
  }

  /** The record to store if watches or transactions changed since the last call; else undefined. */
  takeChangedRecord(): SessionRecord | undefined {
    if (!this.recordChanged) return undefined;
    this.recordChanged = false;
    return { domid: this.domid, watches: [...this.watches], transactions: [...this.transactions.keys()] };
  }

  /** A transaction id not in use on this connection; never 0, which means "no transaction". */
  private allocateTransactionId(): number {
    while (this.nextTransactionId === 0 || this.transactions.has(this.nextTransactionId)) this.advanceTransactionId();
    const id = this.nextTransactionId;
    this.advanceTransactionId();
    return id;
  }

  private advanceTransactionId(): void {
    this.nextTransactionId = this.nextTransactionId === TRANSACTION_ID_MAX ? 1 : this.nextTransactionId + 1;
  }
}

import type { TreeView } from './tree-view.js';
import type { XsWatch } from './watch.js';

export interface XsTransaction {
  readonly id: number;
  readonly view: TreeView;
}

const TRANSACTION_ID_MAX = 0xffff_ffff;

/**
 * One client of the store and what it holds: its domain id (the unix socket is domain 0; a bus
 * transport passes the authenticated one), its watches and its open transactions.
 */
export class XenstoreConnection {
  readonly watches: XsWatch[] = [];
  readonly transactions = new Map<number, XsTransaction>();
  private nextTransactionId = 1;

  constructor(readonly domid: number) {}

  /** A transaction id not in use on this connection; never 0, which means "no transaction". */
  allocateTransactionId(): number {
    while (this.nextTransactionId === 0 || this.transactions.has(this.nextTransactionId)) this.advanceTransactionId();
    const id = this.nextTransactionId;
    this.advanceTransactionId();
    return id;
  }

  /** RESET_WATCHES, or the connection going away: forget watches and abort transactions. */
  reset(): void {
    this.watches.length = 0;
    this.transactions.clear();
  }

  private advanceTransactionId(): void {
    this.nextTransactionId = this.nextTransactionId === TRANSACTION_ID_MAX ? 1 : this.nextTransactionId + 1;
  }
}

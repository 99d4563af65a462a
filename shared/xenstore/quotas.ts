/**
 * Per-domain limits, applied to unprivileged domains only (as xenstored does). Defaults are
 * xenstored's. Exceeding one is answered as xenstored answers it: E2BIG for watches, ENOSPC for
 * the rest.
 */
export interface XenstoreQuotas {
  /** Nodes a domain may own. */
  readonly nodes: number;
  /** Watches a connection may hold. */
  readonly watches: number;
  /** Transactions a connection may have open at once. */
  readonly transactions: number;
  /** Requests a domain may have in flight (xenstored stops reading its ring instead). */
  readonly outstandingRequests: number;
  /** Bytes in one node's value. */
  readonly valueSize: number;
  /** Entries in one node's permission list. */
  readonly permissionsPerNode: number;
}

export const DEFAULT_XENSTORE_QUOTAS: XenstoreQuotas = {
  nodes: 1000,
  watches: 128,
  transactions: 10,
  outstandingRequests: 20,
  valueSize: 2048,
  permissionsPerNode: 5,
};

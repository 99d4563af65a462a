import type { XsWatch } from './watch.js';

/**
 * What must survive a rollback of XenStore-Logic about one client connection of the bus
 * transport: its watches (re-fired once after a rollback, so a lost event becomes at most a
 * repeated one) and the ids of its open transactions (their views are lost with the old
 * instance, so they end in EAGAIN).
 */
export interface SessionRecord {
  readonly domid: number;
  readonly watches: readonly XsWatch[];
  readonly transactions: readonly number[];
}

/** A session as stored: its record and the replies kept for requests a client may retry. */
export interface StoredSession extends SessionRecord {
  /** Reply frames by request sequence number, for requests that changed the store. */
  readonly replies: ReadonlyMap<number, Uint8Array>;
}

/** What one request changed about its session; travels in the same commit as its tree changes. */
export interface SessionUpdate {
  readonly id: string;
  /** The session's new record; `null` ends the session; absent leaves it as it was. */
  readonly record?: SessionRecord | null;
  /** The reply to request `seq`: a retry of that request gets it instead of running again. */
  readonly reply?: { readonly seq: number; readonly frame: Uint8Array };
  /** The client holds every reply up to this sequence number: older kept replies can go. */
  readonly acked?: number;
}

import type { XsPermission } from './permissions.js';
import type { SessionUpdate, StoredSession } from './session.js';

/** What a node holds, apart from its generation. Children are leaf names, in creation order. */
export interface NodeContent {
  readonly value: Uint8Array;
  readonly perms: readonly XsPermission[];
  readonly children: readonly string[];
}

/** A node as stored: its content and the generation stamped by its last change. */
export interface StoredNode extends NodeContent {
  readonly generation: number;
}

/** Puts a node (content given) or deletes it (content undefined). */
export interface NodeChange {
  readonly path: string;
  readonly content: NodeContent | undefined;
}

/** A node the writer saw at `generation` (undefined: saw it absent); the commit requires it unchanged. */
export interface GenerationExpectation {
  readonly path: string;
  readonly generation: number | undefined;
}

export interface DomainChange {
  readonly domid: number;
  readonly introduced: boolean;
}

export interface StateCommit {
  readonly expect: readonly GenerationExpectation[];
  readonly changes: readonly NodeChange[];
  readonly domains: readonly DomainChange[];
  readonly sessions?: readonly SessionUpdate[];
}

export type CommitOutcome = { readonly committed: true } | { readonly committed: false; readonly conflicts: readonly string[] };

/**
 * The durable half of XenStore: the tree (keyed by canonical path, special `@` nodes included),
 * generation counters, per-owner node counts, which domains are introduced, and the sessions of
 * bus clients. It knows nothing of the protocol; XenstoreLogic does. Everything is async so that
 * it can live in another VM.
 */
export interface XenstoreState {
  read(path: string): Promise<StoredNode | undefined>;
  /** How many nodes list `domid` as owner (first permission entry). */
  countOwnedBy(domid: number): Promise<number>;
  isIntroduced(domid: number): Promise<boolean>;
  session(id: string): Promise<StoredSession | undefined>;
  /** Every recorded session: what a new XenStore-Logic instance takes over. */
  sessions(): Promise<ReadonlyMap<string, StoredSession>>;
  /**
   * Atomically: if every expectation holds, applies all changes, stamping each put node with a
   * fresh generation (strictly greater than any before), and the domain changes.
   */
  commit(commit: StateCommit): Promise<CommitOutcome>;
  /** Resolves once every commit accepted so far would survive a crash of this process. */
  durable(): Promise<void>;
}

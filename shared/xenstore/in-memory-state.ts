import { ownerOf } from './permissions.js';
import type { SessionUpdate, StoredSession } from './session.js';
import type { CommitOutcome, StateCommit, StoredNode, XenstoreState } from './state.js';

/** Everything an InMemoryXenstoreState holds, as plain data: what a new instance starts from. */
export interface StateImage {
  /** The last generation stamped; the next put node gets a greater one. */
  readonly generation: number;
  readonly nodes: ReadonlyArray<readonly [string, StoredNode]>;
  readonly introduced: readonly number[];
  readonly sessions: ReadonlyArray<readonly [string, StoredSession]>;
}

/**
 * XenstoreState in maps. Commits apply synchronously (`apply`), so the same class is the tree
 * of a store that lives in one process, the durable store's working copy, and XenStore-Logic's
 * mirror of XenStore-State: all three stamp the same generations for the same commits.
 */
export class InMemoryXenstoreState implements XenstoreState {
  private readonly nodes = new Map<string, StoredNode>();
  private readonly ownedCounts = new Map<number, number>();
  private readonly introduced = new Set<number>();
  private readonly storedSessions = new Map<string, StoredSession>();
  private generation = 0;

  static fromImage(image: StateImage): InMemoryXenstoreState {
    const state = new InMemoryXenstoreState();
    state.generation = image.generation;
    for (const [path, node] of image.nodes) {
      state.nodes.set(path, node);
      state.countOwner(ownerOf(node.perms), +1);
    }
    for (const domid of image.introduced) state.introduced.add(domid);
    for (const [id, session] of image.sessions) state.storedSessions.set(id, session);
    return state;
  }

  image(): StateImage {
    return { generation: this.generation, nodes: [...this.nodes], introduced: [...this.introduced], sessions: [...this.storedSessions] };
  }

  async read(path: string): Promise<StoredNode | undefined> {
    return this.nodes.get(path);
  }

  async countOwnedBy(domid: number): Promise<number> {
    return this.ownedCounts.get(domid) ?? 0;
  }

  async isIntroduced(domid: number): Promise<boolean> {
    return this.introduced.has(domid);
  }

  async session(id: string): Promise<StoredSession | undefined> {
    return this.storedSessions.get(id);
  }

  async sessions(): Promise<ReadonlyMap<string, StoredSession>> {
    return new Map(this.storedSessions);
  }

  async commit(commit: StateCommit): Promise<CommitOutcome> {
    return this.apply(commit);
  }

  async durable(): Promise<void> {}

  apply({ expect, changes, domains, sessions = [] }: StateCommit): CommitOutcome {
    const conflicts = expect.filter(({ path, generation }) => this.nodes.get(path)?.generation !== generation).map(({ path }) => path);
    if (conflicts.length > 0) return { committed: false, conflicts };
    for (const { path, content } of changes) {
      const previous = this.nodes.get(path);
      if (previous) this.countOwner(ownerOf(previous.perms), -1);
      if (content === undefined) {
        this.nodes.delete(path);
      } else {
        this.nodes.set(path, { ...content, generation: ++this.generation });
        this.countOwner(ownerOf(content.perms), +1);
      }
    }
    for (const { domid, introduced } of domains) {
      if (introduced) this.introduced.add(domid);
      else this.introduced.delete(domid);
    }
    for (const update of sessions) this.updateSession(update);
    return { committed: true };
  }

  private updateSession({ id, record, reply, acked }: SessionUpdate): void {
    if (record === null) {
      this.storedSessions.delete(id);
      return;
    }
    const current = this.storedSessions.get(id);
    const base = record ?? current;
    if (base === undefined) return;
    const replies = new Map(current?.replies ?? []);
    if (acked !== undefined) for (const seq of replies.keys()) if (seq <= acked) replies.delete(seq);
    if (reply !== undefined) replies.set(reply.seq, reply.frame);
    this.storedSessions.set(id, { domid: base.domid, watches: base.watches, transactions: base.transactions, replies });
  }

  private countOwner(domid: number, delta: number): void {
    const count = (this.ownedCounts.get(domid) ?? 0) + delta;
    if (count === 0) this.ownedCounts.delete(domid);
    else this.ownedCounts.set(domid, count);
  }
}

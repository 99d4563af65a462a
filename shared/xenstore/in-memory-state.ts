import { ownerOf } from './permissions.js';
import type { CommitOutcome, StateCommit, StoredNode, XenstoreState } from './state.js';

/** XenstoreState in a Map: for tests, and for a store that does not need to outlive its process. */
export class InMemoryXenstoreState implements XenstoreState {
  private readonly nodes = new Map<string, StoredNode>();
  private readonly ownedCounts = new Map<number, number>();
  private readonly introduced = new Set<number>();
  private generation = 0;

  async read(path: string): Promise<StoredNode | undefined> {
    return this.nodes.get(path);
  }

  async countOwnedBy(domid: number): Promise<number> {
    return this.ownedCounts.get(domid) ?? 0;
  }

  async isIntroduced(domid: number): Promise<boolean> {
    return this.introduced.has(domid);
  }

  async commit({ expect, changes, domains }: StateCommit): Promise<CommitOutcome> {
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
    return { committed: true };
  }

  private countOwner(domid: number, delta: number): void {
    const count = (this.ownedCounts.get(domid) ?? 0) + delta;
    if (count === 0) this.ownedCounts.delete(domid);
    else this.ownedCounts.set(domid, count);
  }
}

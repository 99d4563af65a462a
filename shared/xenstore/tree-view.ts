import { ownerOf } from './permissions.js';
import type { XsPermission } from './permissions.js';
import type { NodeContent, StateCommit, StoredNode, XenstoreState } from './state.js';

export const TriggerScope = {
  /** Fires watches on exactly this path (a node removed below the removal's root). */
  exact: 'exact',
  /** Fires watches on this path and on every ancestor of it. */
  subtree: 'subtree',
} as const;
export type TriggerScope = (typeof TriggerScope)[keyof typeof TriggerScope];

/** A change that may fire watches once committed. */
export interface WatchTrigger {
  readonly path: string;
  readonly scope: TriggerScope;
  /** A watcher that may read under any of these permission lists is told (node, old node, parent). */
  readonly visibleWith: readonly (readonly XsPermission[])[];
}

/**
 * A private, copy-on-write view of the store: reads fall through to the state and remember the
 * generation first seen, writes stay here until committed. One view serves one request, or a
 * whole transaction, which is how xenstored isolates transactions: the commit requires every
 * node the view read or wrote to be unchanged since (so a conflict is EAGAIN).
 */
export class TreeView {
  private readonly triggered = new Map<string, WatchTrigger>();
  private readonly seen = new Map<string, StoredNode | undefined>();
  private readonly changed = new Map<string, NodeContent | undefined>();
  private readonly domainChanges = new Map<number, boolean>();
  private readonly ownedDelta = new Map<number, number>();

  constructor(private readonly state: XenstoreState) {}

  async read(path: string): Promise<NodeContent | undefined> {
    if (this.changed.has(path)) return this.changed.get(path);
    return this.readState(path);
  }

  /** The generation of a node as the view first saw it (0 for a node the view created). */
  async generationOf(path: string): Promise<number> {
    return (await this.readState(path))?.generation ?? 0;
  }

  async put(path: string, content: NodeContent): Promise<void> {
    const previous = await this.read(path);
    if (previous) this.countOwner(ownerOf(previous.perms), -1);
    this.countOwner(ownerOf(content.perms), +1);
    this.changed.set(path, content);
  }

  async delete(path: string): Promise<void> {
    const previous = await this.read(path);
    if (previous) this.countOwner(ownerOf(previous.perms), -1);
    this.changed.set(path, undefined);
  }

  async countOwnedBy(domid: number): Promise<number> {
    return (await this.state.countOwnedBy(domid)) + (this.ownedDelta.get(domid) ?? 0);
  }

  async isIntroduced(domid: number): Promise<boolean> {
    return this.domainChanges.get(domid) ?? this.state.isIntroduced(domid);
  }

  setIntroduced(domid: number, introduced: boolean): void {
    this.domainChanges.set(domid, introduced);
  }

  /**
   * Records a change for the watches, as xenstored's queue_watches does for a transaction: a node
   * changed more than once fires once, for its subtree if any of its changes was for its subtree
   * (an exact trigger never narrows a subtree one), told to whoever could see any of the changes.
   */
  trigger(trigger: WatchTrigger): void {
    const earlier = this.triggered.get(trigger.path);
    if (!earlier) {
      this.triggered.set(trigger.path, trigger);
      return;
    }
    const scope = earlier.scope === TriggerScope.subtree ? earlier.scope : trigger.scope;
    this.triggered.set(trigger.path, { path: trigger.path, scope, visibleWith: [...earlier.visibleWith, ...trigger.visibleWith] });
  }

  /**
   * The changes that fire watches once committed, one per node. A node created and removed again
   * within the view fires none: in the store it never existed (xenstored finds neither its old
   * permissions nor the node, and tells nobody).
   */
  get triggers(): readonly WatchTrigger[] {
    return [...this.triggered.values()].filter(({ path }) => !this.changed.has(path) || this.changed.get(path) !== undefined || this.seen.get(path) !== undefined);
  }

  toCommit(): StateCommit {
    return {
      expect: [...this.seen].map(([path, node]) => ({ path, generation: node?.generation })),
      changes: [...this.changed].map(([path, content]) => ({ path, content })),
      domains: [...this.domainChanges].map(([domid, introduced]) => ({ domid, introduced })),
    };
  }

  private async readState(path: string): Promise<StoredNode | undefined> {
    if (!this.seen.has(path)) this.seen.set(path, await this.state.read(path));
    return this.seen.get(path);
  }

  private countOwner(domid: number, delta: number): void {
    this.ownedDelta.set(domid, (this.ownedDelta.get(domid) ?? 0) + delta);
  }
}

import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { ServiceContext } from '../../shared/lifecycle/service-machine.js';

/** A service VM moved from one top-level lifecycle state to another. */
export interface Transition {
  id: string;
  from: string;
  to: string;
  context: ServiceContext;
}

export interface ServiceView {
  state: string;
  context: ServiceContext;
}

/**
 * Watches every service actor of the host (through XState's inspection API) and keeps the
 * last view of each, also after a final state removed the actor from the system. Listeners
 * hear each top-level transition once, in order.
 */
export class ServiceRegistry {
  private readonly views = new Map<string, ServiceView>();
  private readonly listeners: Array<(transition: Transition) => void> = [];
  private readonly refs = new Map<string, AnyActorRef>();

  constructor(private readonly serviceIds: ReadonlySet<string>) {}

  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.snapshot') return;
    const ref = event.actorRef as AnyActorRef;
    if (!this.serviceIds.has(ref.id)) return;
    // XState relays a child's report to its parent (which may start the next phase) after the
    // child's snapshot is updated but before its inspection event: catch up with every other
    // service first, so that transitions are heard in causal order.
    for (const [id, other] of this.refs) if (id !== ref.id) this.observe(id, other.getSnapshot());
    this.refs.set(ref.id, ref);
    this.observe(ref.id, event.snapshot);
  };

  private observe(id: string, observed: unknown): void {
    const snapshot = observed as { value?: unknown; context?: ServiceContext };
    if (snapshot.context === undefined || snapshot.value === undefined) return;
    const state = topLevelState(snapshot.value);
    const from = this.views.get(id)?.state ?? 'defined';
    this.views.set(id, { state, context: snapshot.context });
    if (state !== from) for (const listener of this.listeners) listener({ id, from, to: state, context: snapshot.context });
  }

  onTransition(listener: (transition: Transition) => void): void {
    this.listeners.push(listener);
  }

  view(id: string): ServiceView | undefined {
    return this.views.get(id);
  }
}

function topLevelState(value: unknown): string {
  return typeof value === 'string' ? value : Object.keys(value as object)[0] ?? 'unknown';
}

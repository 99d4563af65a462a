/**
 * Fakes of the I/O actors a service machine needs, for tests: they record every call with the
 * clock time it was made, resolve at once unless told otherwise, and let a test end an instance
 * through its live watcher, as the driver would.
 */
import { fromCallback, fromPromise } from 'xstate';
import type { Clock } from '../../clock.js';
import type { InstanceHandle, Snapshot } from '../../drivers/driver.js';
import type {
  DestroyInstanceInput,
  InstanceReport,
  RestoreInstanceInput,
  StartInstanceInput,
  SwitchInstanceInput,
  TakeSnapshotInput,
  TakeStandbyInput,
  WatchInstanceInput,
} from '../service-machine.js';

interface ActorInputs {
  startInstance: StartInstanceInput;
  takeSnapshot: TakeSnapshotInput;
  restoreInstance: RestoreInstanceInput;
  takeStandby: TakeStandbyInput;
  activateInstance: SwitchInstanceInput;
  drainInstance: SwitchInstanceInput;
  destroyInstance: DestroyInstanceInput;
  watchInstance: WatchInstanceInput;
}
type ActorName = keyof ActorInputs;
export type ActorCall<A extends ActorName = ActorName> = {
  [Name in A]: { actor: Name; input: ActorInputs[Name]; at: number };
}[A];

export function fakeHandle(id: string, instance: number): InstanceHandle {
  return { id, instance, pid: 1000 + instance, exited: new Promise(() => {}) };
}

export function fakeSnapshot(id: string, takenAt: number): Snapshot {
  return {
    id,
    digest: `sha256:${id}`,
    takenAt,
    spec: { host: 'test', id, role: 'test', natsUrl: 'nats://127.0.0.1:4222', heartbeatMs: 100, config: {}, readPaths: [], writePaths: [] },
  };
}

export function fakeInstanceActors(clock: Clock) {
  const calls: ActorCall[] = [];
  /** The watchers alive now, by service id and instance. */
  const watchers = new Map<string, (report: InstanceReport) => void>();
  const watcherKey = (id: string, instance: number) => `${id}#${instance}`;
  /** Standbys are numbered by their pool, from 100 on, as a supervisor's pool numbers its own. */
  let standbys = 0;
  const behaviour = {
    startInstance: async (input: StartInstanceInput): Promise<InstanceHandle> => fakeHandle(input.id, input.instance),
    takeSnapshot: async (input: TakeSnapshotInput): Promise<Snapshot> => fakeSnapshot(input.id, clock.now()),
    restoreInstance: async (input: RestoreInstanceInput): Promise<InstanceHandle> =>
      fakeHandle(input.id, input.instance),
    takeStandby: async (input: TakeStandbyInput): Promise<InstanceHandle> => fakeHandle(input.id, 100 + ++standbys),
    activateInstance: async (_input: SwitchInstanceInput): Promise<void> => {},
    drainInstance: async (_input: SwitchInstanceInput): Promise<void> => {},
    destroyInstance: async (_input: DestroyInstanceInput): Promise<void> => {},
  };

  const actors = {
    startInstance: fromPromise<InstanceHandle, StartInstanceInput>(({ input }) => {
      calls.push({ actor: 'startInstance', input, at: clock.now() });
      return behaviour.startInstance(input);
    }),
    takeSnapshot: fromPromise<Snapshot, TakeSnapshotInput>(({ input }) => {
      calls.push({ actor: 'takeSnapshot', input, at: clock.now() });
      return behaviour.takeSnapshot(input);
    }),
    restoreInstance: fromPromise<InstanceHandle, RestoreInstanceInput>(({ input }) => {
      calls.push({ actor: 'restoreInstance', input, at: clock.now() });
      return behaviour.restoreInstance(input);
    }),
    takeStandby: fromPromise<InstanceHandle, TakeStandbyInput>(({ input }) => {
      calls.push({ actor: 'takeStandby', input, at: clock.now() });
      return behaviour.takeStandby(input);
    }),
    activateInstance: fromPromise<void, SwitchInstanceInput>(({ input }) => {
      calls.push({ actor: 'activateInstance', input, at: clock.now() });
      return behaviour.activateInstance(input);
    }),
    drainInstance: fromPromise<void, SwitchInstanceInput>(({ input }) => {
      calls.push({ actor: 'drainInstance', input, at: clock.now() });
      return behaviour.drainInstance(input);
    }),
    destroyInstance: fromPromise<void, DestroyInstanceInput>(({ input }) => {
      calls.push({ actor: 'destroyInstance', input, at: clock.now() });
      return behaviour.destroyInstance(input);
    }),
    watchInstance: fromCallback<InstanceReport, WatchInstanceInput>(({ input, sendBack }) => {
      calls.push({ actor: 'watchInstance', input, at: clock.now() });
      const key = watcherKey(input.handle.id, input.handle.instance);
      watchers.set(key, sendBack);
      return () => watchers.delete(key);
    }),
  };

  return {
    actors,
    /** Replace to make a driver call hang or fail. */
    behaviour,
    calls,
    callsTo<A extends ActorName>(actor: A): ActorCall<A>[] {
      return calls.filter((call) => call.actor === actor) as ActorCall<A>[];
    },
    isWatched(id: string, instance: number) {
      return watchers.has(watcherKey(id, instance));
    },
    /** The instance ends; only a live watcher can tell the machine. */
    exit(id: string, instance: number, exit: { code: number | null; signal: string | null; detail?: string }) {
      const sendBack = watchers.get(watcherKey(id, instance));
      if (sendBack === undefined) throw new Error(`no watcher for ${id} instance ${instance}`);
      sendBack({ type: 'instance.exited', instance, ...exit });
    },
  };
}

/** Lets every promise already settled run its reactions (driver fakes resolve at once). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

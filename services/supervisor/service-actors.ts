import { fromPromise } from 'xstate';
import { watchInstanceExit } from './watch-instance.js';
import type { InstanceHandle, InstanceSpec, ServiceDriver, Snapshot } from '../../shared/drivers/driver.js';
import {
  type DestroyInstanceInput,
  type RestoreInstanceInput,
  type StartInstanceInput,
  type SwitchInstanceInput,
  type TakeSnapshotInput,
  type TakeStandbyInput,
  serviceMachine,
} from '../../shared/lifecycle/service-machine.js';
import type { StandbyPool } from './standby-pool.js';

/** Builds the spec of instance `instance` of service `id` (its seed included). */
export type SpecFactory = (id: string, instance: number) => InstanceSpec;

/** What a make-before-break rollback needs of the supervisor besides the driver. */
export interface SwitchingIo {
  standbys: StandbyPool;
  /** Sends `activate` (with the validated recovery box) to one instance. */
  activate(id: string, handle: InstanceHandle): Promise<void>;
  /** Sends `drain` to one instance. */
  drain(id: string, handle: InstanceHandle): Promise<void>;
  /** A snapshot was taken (or retaken): record it, and restore standbys from it where the service has them. */
  snapshotTaken(id: string, handle: InstanceHandle, snapshot: Snapshot): Promise<void>;
}

/** The service machine with its I/O bound to a driver: what the host machine spawns. */
export function drivenServiceMachine(driver: ServiceDriver, specOf: SpecFactory, io: SwitchingIo) {
  return serviceMachine.provide({
    actors: {
      startInstance: fromPromise<InstanceHandle, StartInstanceInput>(({ input }) => driver.start(specOf(input.id, io.standbys.number(input.id, input.instance)))),
      takeSnapshot: fromPromise<Snapshot, TakeSnapshotInput>(async ({ input }) => {
        const snapshot = await driver.snapshot(input.handle, specOf(input.id, input.handle.instance));
        await io.snapshotTaken(input.id, input.handle, snapshot);
        return snapshot;
      }),
      restoreInstance: fromPromise<InstanceHandle, RestoreInstanceInput>(({ input }) => {
        const instance = io.standbys.number(input.id, input.instance);
        return driver.restore(input.snapshot, instance, specOf(input.id, instance).seed);
      }),
      takeStandby: fromPromise<InstanceHandle, TakeStandbyInput>(({ input, signal }) => io.standbys.take(input.id, signal)),
      activateInstance: fromPromise<void, SwitchInstanceInput>(({ input }) => io.activate(input.id, input.handle)),
      drainInstance: fromPromise<void, SwitchInstanceInput>(({ input }) => io.drain(input.id, input.handle)),
      destroyInstance: fromPromise<void, DestroyInstanceInput>(({ input }) => driver.destroy(input.handle)),
      watchInstance: watchInstanceExit,
    },
  });
}

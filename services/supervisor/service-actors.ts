import { fromCallback, fromPromise } from 'xstate';
import type { InstanceHandle, InstanceSpec, ServiceDriver, Snapshot } from '../../shared/drivers/driver.js';
import {
  type DestroyInstanceInput,
  type InstanceReport,
  type RestoreInstanceInput,
  type StartInstanceInput,
  type TakeSnapshotInput,
  type WatchInstanceInput,
  serviceMachine,
} from '../../shared/lifecycle/service-machine.js';

/** Builds the spec of instance `instance` of service `id` (its seed included). */
export type SpecFactory = (id: string, instance: number) => InstanceSpec;

/** The service machine with its I/O bound to a driver: what the host machine spawns. */
export function drivenServiceMachine(driver: ServiceDriver, specOf: SpecFactory) {
  return serviceMachine.provide({
    actors: {
      startInstance: fromPromise<InstanceHandle, StartInstanceInput>(({ input }) => driver.start(specOf(input.id, input.instance))),
      takeSnapshot: fromPromise<Snapshot, TakeSnapshotInput>(({ input }) => driver.snapshot(input.handle, specOf(input.id, input.handle.instance))),
      restoreInstance: fromPromise<InstanceHandle, RestoreInstanceInput>(({ input }) =>
        driver.restore(input.snapshot, input.instance, specOf(input.id, input.instance).seed),
      ),
      destroyInstance: fromPromise<void, DestroyInstanceInput>(({ input }) => driver.destroy(input.handle)),
      watchInstance: fromCallback<InstanceReport, WatchInstanceInput>(({ input, sendBack }) => {
        let watching = true;
        void input.handle.exited.then((exit) => {
          if (watching) sendBack({ type: 'instance.exited', instance: input.handle.instance, ...exit });
        });
        return () => {
          watching = false;
        };
      }),
    },
  });
}

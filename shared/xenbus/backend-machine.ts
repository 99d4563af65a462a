/**
 * A backend domain's devices of one kind: watches /local/domain/<backend>/backend/<kind> and runs
 * a backendDeviceMachine for each <guest>/<devid> directory there, from when the toolstack creates
 * it until it is removed (then the device is closed and its machine ends).
 *
 * A service provides its device actions through the device machine:
 * `backendMachine.provide({ actors: { device: backendDeviceMachine.provide({ actors: { openDevice, closeDevice } }) } })`.
 */
import { assign, enqueueActions, fromCallback, setup } from 'xstate';
import type { ActorRefFrom, EventObject } from 'xstate';
import type { DeviceKind } from '../policy/live-grants.js';
import { XenstoreRequestError } from '../xenstore/xenstore-client.js';
import { backendDeviceMachine } from './backend-device-machine.js';
import { xenbusPaths } from './device-paths.js';
import type { XenbusConnection } from './xenbus-connection.js';

export interface BackendInput {
  xenbus: XenbusConnection;
  /** The backend's own domain id. */
  domid: number;
  kind: DeviceKind;
}

export interface BackendContext extends BackendInput {
  /** By "<guest>/<devid>". */
  devices: Record<string, ActorRefFrom<typeof backendDeviceMachine>>;
}

export type DeviceDirectoryEvent = { type: 'device.added'; key: string; dir: string } | { type: 'device.removed'; key: string };

/** Sends `device.added` and `device.removed` as <guest>/<devid> directories come and go below `dir`. */
export const watchDeviceDirectories = fromCallback<EventObject, { xenbus: XenbusConnection; dir: string }>(({ input, sendBack }) => {
  const { client } = input.xenbus;
  const known = new Set<string>();
  let stopped = false;
  let stopListening = () => {};
  let scans = Promise.resolve();
  const list = (path: string) =>
    client.list(path).catch((error: unknown) => {
      if (error instanceof XenstoreRequestError && error.errno === 'ENOENT') return [];
      throw error;
    });
  const scan = async () => {
    const found = new Set<string>();
    for (const guest of await list(input.dir)) for (const devid of await list(`${input.dir}/${guest}`)) found.add(`${guest}/${devid}`);
    if (stopped) return;
    for (const key of known) if (!found.has(key)) sendBack({ type: 'device.removed', key } satisfies DeviceDirectoryEvent);
    for (const key of found) if (!known.has(key)) sendBack({ type: 'device.added', key, dir: `${input.dir}/${key}` } satisfies DeviceDirectoryEvent);
    known.clear();
    for (const key of found) known.add(key);
  };
  const onChange = (path: string) => {
    // A change inside a device's directory (its state, its nodes) adds or removes no device.
    const [guest, devid, below] = path.slice(input.dir.length + 1).split('/');
    if (below !== undefined && known.has(`${guest}/${devid}`)) return;
    // A failed scan (XenStore unreachable) is made good by the next change's.
    scans = scans.then(scan).catch(() => undefined);
  };
  input.xenbus.watch(input.dir, onChange).then(
    (stop) => {
      if (stopped) stop();
      else stopListening = stop;
    },
    // Only a dead connection refuses a watch; the devices' own XenStore actors fail on it then.
    () => undefined,
  );
  return () => {
    stopped = true;
    stopListening();
  };
});

export const backendMachine = setup({
  types: {
    input: {} as BackendInput,
    context: {} as BackendContext,
    events: {} as DeviceDirectoryEvent,
  },
  actors: {
    watchDeviceDirectories,
    device: backendDeviceMachine,
  },
}).createMachine({
  id: 'backend',
  context: ({ input }) => ({ ...input, devices: {} }),
  invoke: {
    src: 'watchDeviceDirectories',
    input: ({ context }) => ({ xenbus: context.xenbus, dir: xenbusPaths.backends(context.domid, context.kind) }),
  },
  on: {
    'device.added': {
      actions: assign({
        devices: ({ context, event, spawn }) => ({ ...context.devices, [event.key]: spawn('device', { input: { xenbus: context.xenbus, dir: event.dir } }) }),
      }),
    },
    'device.removed': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const device = context.devices[event.key];
        if (device === undefined) return;
        enqueue.sendTo(device, { type: 'remove' });
        const { [event.key]: _, ...others } = context.devices;
        enqueue.assign({ devices: others });
      }),
    },
  },
});

/**
 * The back-end of one device, the backend domain's side of the xenbus handshake:
 *
 *   reading → resuming → initWait ─(front-end Initialised)→ connecting (openDevice) → publishing → connected
 *   connected ─(front-end Closing, Closed, Initialising or gone)→ closing (closeDevice) → closed
 *   closed ─(front-end Initialising)→ initWait                     (the front-end reconnects)
 *
 * A fresh instance (after a rollback) that finds its own state past InitWait holds no open device:
 * it goes closing → closed first, so the front-end sees the break and starts over. Closing waits
 * for the front-end to let go (Initialising, Closed or gone), or `closeTimeout` on the clock.
 * `remove` (the directory is gone) closes the device and ends the machine. A device that fails
 * to open stays Closed (`failed`, with the reason in `failure`).
 *
 * All XenStore I/O is in the actors; `openDevice` and `closeDevice` are the device's own (block,
 * network), provided by the service: they fail until provided. A XenStore that cannot be reached
 * (EIO) fails the actor (status `error`), and with it the backend machine that runs it.
 */
import { and, assign, fromPromise, setup } from 'xstate';
import { describeError } from '../errors/xoar-error.js';
import { ActorNotProvidedError } from '../lifecycle/actor-not-provided-error.js';
import { DeviceNode } from './device-paths.js';
import { readDirectory, watchPeerState, writeState } from './xenbus-actors.js';
import type { PeerStateEvent } from './xenbus-actors.js';
import type { XenbusConnection } from './xenbus-connection.js';
import { parseXenbusState, XenbusState } from './xenbus-state.js';

/** How long a closing backend waits for its front-end to let go before it closes anyway. */
export const CLOSE_TIMEOUT_MS = 5_000;

export interface BackendDeviceInput {
  xenbus: XenbusConnection;
  /** This end's directory: /local/domain/<backend>/backend/<kind>/<guest>/<devid>. */
  dir: string;
}

/** What openDevice and closeDevice get: the directory and its nodes (params, frontend-id, mode, …). */
export interface DeviceAtBackend {
  dir: string;
  nodes: Readonly<Record<string, string>>;
}

export interface BackendDeviceContext extends BackendDeviceInput {
  /** This end's nodes as the toolstack wrote them (and the last instance left them). */
  nodes: Record<string, string>;
  /** As last read; undefined until first read. */
  frontendState: XenbusState | undefined;
  opened: boolean;
  /** What openDevice answered, published with Connected. */
  published: Record<string, string>;
  /** The directory went while the device was being opened: close it once open. */
  removeRequested: boolean;
  /** Why the device last failed to open or close. */
  failure: string | undefined;
}

export type BackendDeviceEvent = PeerStateEvent | { type: 'remove' };

function notProvided(actor: string): never {
  throw new ActorNotProvidedError(actor);
}

export const backendDeviceMachine = setup({
  types: {
    input: {} as BackendDeviceInput,
    context: {} as BackendDeviceContext,
    events: {} as BackendDeviceEvent,
  },
  actors: {
    readDirectory,
    watchPeerState,
    writeState,
    /** Opens the device; answers the nodes to publish with Connected (sectors, features, …). */
    openDevice: fromPromise<Record<string, string>, DeviceAtBackend>(async () => notProvided('openDevice')),
    closeDevice: fromPromise<void, DeviceAtBackend>(async () => notProvided('closeDevice')),
  },
  guards: {
    frontendIs: ({ context }, params: { state: XenbusState }) => context.frontendState === params.state,
    frontendLeft: ({ context }) => context.frontendState !== XenbusState.Initialised && context.frontendState !== XenbusState.Connected,
    frontendLetGo: ({ context }) =>
      context.frontendState === XenbusState.Initialising || context.frontendState === XenbusState.Closed || context.frontendState === XenbusState.Unknown,
    frontendSeen: ({ context }) => context.frontendState !== undefined,
    frontendClosing: ({ context }) => context.frontendState === XenbusState.Closing || context.frontendState === XenbusState.Closed,
    /** A state only an instance with the device open could have written: a rollback left it behind. */
    ownStateStale: ({ context }) => {
      const own = parseXenbusState(context.nodes[DeviceNode.state]);
      return own > XenbusState.InitWait && own !== XenbusState.Closed;
    },
    ownStateClosed: ({ context }) => parseXenbusState(context.nodes[DeviceNode.state]) === XenbusState.Closed,
    opened: ({ context }) => context.opened,
    removeRequested: ({ context }) => context.removeRequested,
  },
  delays: {
    closeTimeout: CLOSE_TIMEOUT_MS,
  },
  actions: {
    keepDevice: assign((_, params: { published: Record<string, string> }) => ({ opened: true, published: params.published })),
    forgetDevice: assign({ opened: false, published: {} }),
    keepFrontendState: assign(({ event }) => (event.type === 'peer.state' ? { frontendState: event.state } : {})),
    recordFailure: assign((_, params: { step: string; error: unknown }) => ({ failure: `${params.step} failed: ${describeError(params.error)}` })),
  },
}).createMachine({
  id: 'backendDevice',
  context: ({ input }) => ({ ...input, nodes: {}, frontendState: undefined, opened: false, published: {}, removeRequested: false, failure: undefined }),
  initial: 'reading',
  states: {
    reading: {
      on: { remove: { target: 'removed' } },
      invoke: {
        src: 'readDirectory',
        input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir }),
        onDone: { target: 'attached', actions: assign({ nodes: ({ event }) => event.output }) },
        onError: { target: 'removed', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'reading the device', error: event.error }) } },
      },
    },

    attached: {
      invoke: { src: 'watchPeerState', input: ({ context }) => ({ xenbus: context.xenbus, dir: frontendDirOf(context) }) },
      initial: 'resuming',
      states: {
        // Decides once the front-end's state is known.
        resuming: {
          always: [
            { guard: and(['frontendSeen', 'ownStateStale']), target: 'closing' },
            { guard: and(['frontendSeen', 'ownStateClosed']), target: 'closed' },
            { guard: 'frontendSeen', target: 'initWait' },
          ],
        },
        initWait: {
          invoke: { src: 'writeState', input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.InitWait }) },
          always: [
            { guard: { type: 'frontendIs', params: { state: XenbusState.Initialised } }, target: 'connecting' },
            { guard: 'frontendClosing', target: 'closing' },
          ],
        },
        // Not interrupted: a device being opened is closed again once open (front-end gone, or removed).
        connecting: {
          invoke: {
            src: 'openDevice',
            input: ({ context }) => ({ dir: context.dir, nodes: context.nodes }),
            onDone: [
              { guard: 'removeRequested', target: '#backendDevice.removing', actions: { type: 'keepDevice', params: ({ event }) => ({ published: event.output }) } },
              { target: 'publishing', actions: { type: 'keepDevice', params: ({ event }) => ({ published: event.output }) } },
            ],
            onError: { target: 'failed', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'opening the device', error: event.error }) } },
          },
          on: { remove: { actions: assign({ removeRequested: true }) } },
        },
        publishing: {
          invoke: {
            src: 'writeState',
            input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Connected, nodes: context.published }),
            onDone: { target: 'connected' },
            onError: { target: 'closing', actions: { type: 'recordFailure', params: ({ event }) => ({ step: 'publishing the device', error: event.error }) } },
          },
        },
        connected: {
          always: { guard: 'frontendLeft', target: 'closing' },
        },
        closing: {
          invoke: { src: 'writeState', input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Closing }) },
          initial: 'deciding',
          states: {
            deciding: { always: [{ guard: 'opened', target: 'releasing' }, { target: 'waiting' }] },
            releasing: {
              invoke: {
                src: 'closeDevice',
                input: ({ context }) => ({ dir: context.dir, nodes: context.nodes }),
                onDone: { target: 'waiting', actions: 'forgetDevice' },
                onError: {
                  target: 'waiting',
                  actions: ['forgetDevice', { type: 'recordFailure', params: ({ event }) => ({ step: 'closing the device', error: event.error }) }],
                },
              },
            },
            waiting: {
              always: { guard: 'frontendLetGo', target: '#backendDevice.attached.closed' },
              after: { closeTimeout: { target: '#backendDevice.attached.closed' } },
            },
          },
        },
        // Closed is written before the front-end may start over, so it always sees the backend close.
        closed: {
          initial: 'writing',
          states: {
            writing: {
              invoke: {
                src: 'writeState',
                input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Closed }),
                onDone: { target: 'idle' },
              },
            },
            idle: {
              always: { guard: { type: 'frontendIs', params: { state: XenbusState.Initialising } }, target: '#backendDevice.attached.initWait' },
            },
          },
        },
        // The device cannot be opened: Closed for good, not retried in a loop with the front-end.
        // `failure` says why; a new instance (a rollback) or a new directory tries again.
        failed: {
          invoke: { src: 'writeState', input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Closed }) },
        },
      },
      on: {
        'peer.state': { actions: 'keepFrontendState' },
        remove: { target: 'removing' },
      },
    },

    removing: {
      initial: 'deciding',
      states: {
        deciding: { always: [{ guard: 'opened', target: 'releasing' }, { target: '#backendDevice.removed' }] },
        releasing: {
          invoke: {
            src: 'closeDevice',
            input: ({ context }) => ({ dir: context.dir, nodes: context.nodes }),
            onDone: { target: '#backendDevice.removed', actions: 'forgetDevice' },
            onError: {
              target: '#backendDevice.removed',
              actions: ['forgetDevice', { type: 'recordFailure', params: ({ event }) => ({ step: 'closing the device', error: event.error }) }],
            },
          },
        },
      },
    },

    removed: { type: 'final' },
  },
});

function frontendDirOf(context: BackendDeviceContext): string {
  const dir = context.nodes[DeviceNode.frontend];
  if (dir === undefined) throw new Error(`${context.dir}: no ${DeviceNode.frontend} node`);
  return dir;
}

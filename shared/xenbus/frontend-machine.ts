/**
 * The front-end of one device, the guest's side of the xenbus handshake:
 *
 *   locating → initialising ─(backend InitWait)→ initialised ─(backend Connected)→ connecting → connected
 *
 * Whenever the backend leaves (Closing, Closed, another state, or its directory gone: a rollback),
 * the front-end goes back to initialising, keeping its directory and device id, and connects again
 * once the backend is InitWait again. It emits `connected` (with the backend's nodes: sectors,
 * features, …) and `disconnected`, so a device client holds its requests meanwhile and sends them
 * again after. `close` detaches it: Closing, then Closed once the backend has closed.
 *
 * All XenStore I/O is in the actors; the machine decides on the backend state it last saw. A
 * XenStore that cannot be reached (EIO) fails the actor (status `error`).
 */
import { assign, emit, fromPromise, setup } from 'xstate';
import { describeError } from '../errors/xoar-error.js';
import { DeviceNode, xenbusPaths } from './device-paths.js';
import { readDirectory, watchPeerState, writeState } from './xenbus-actors.js';
import type { PeerStateEvent } from './xenbus-actors.js';
import type { XenbusConnection } from './xenbus-connection.js';
import { XenbusState } from './xenbus-state.js';

export interface FrontendInput {
  xenbus: XenbusConnection;
  /** This end's directory: /local/domain/<guest>/device/<kind>/<devid>. */
  dir: string;
  /** Nodes the backend needs to connect, written before Initialised. */
  details: Readonly<Record<string, string>>;
}

export interface FrontendContext extends FrontendInput {
  backendDir: string | undefined;
  backendState: XenbusState;
  failure: string | undefined;
}

export type FrontendEvent = PeerStateEvent | { type: 'close' };

export type FrontendEmitted = { type: 'connected'; backend: Record<string, string> } | { type: 'disconnected' };

export const frontendMachine = setup({
  types: {
    input: {} as FrontendInput,
    context: {} as FrontendContext,
    events: {} as FrontendEvent,
    emitted: {} as FrontendEmitted,
  },
  actors: {
    readBackendPath: fromPromise<string, { xenbus: XenbusConnection; dir: string }>(({ input }) => input.xenbus.client.read(xenbusPaths.node(input.dir, DeviceNode.backend))),
    watchPeerState,
    writeState,
    readDirectory,
  },
  guards: {
    backendIs: ({ context }, params: { state: XenbusState }) => context.backendState === params.state,
    backendLeftInitWait: ({ context }) => context.backendState !== XenbusState.InitWait && context.backendState !== XenbusState.Connected,
    backendLeftConnected: ({ context }) => context.backendState !== XenbusState.Connected,
    backendClosing: ({ context }) => context.backendState === XenbusState.Closing || context.backendState === XenbusState.Closed || context.backendState === XenbusState.Unknown,
  },
  actions: {
    keepBackendState: assign(({ event }) => (event.type === 'peer.state' ? { backendState: event.state } : {})),
  },
}).createMachine({
  id: 'frontend',
  context: ({ input }) => ({ ...input, backendDir: undefined, backendState: XenbusState.Unknown, failure: undefined }),
  initial: 'locating',
  states: {
    locating: {
      invoke: {
        src: 'readBackendPath',
        input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir }),
        onDone: { target: 'attached', actions: assign({ backendDir: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: assign({ failure: ({ context, event }) => `cannot read which backend serves ${context.dir}: ${describeError(event.error)}` }) },
      },
    },

    attached: {
      invoke: { src: 'watchPeerState', input: ({ context }) => ({ xenbus: context.xenbus, dir: backendDirOf(context) }) },
      on: {
        'peer.state': { actions: 'keepBackendState' },
        close: { target: '.closing' },
      },
      initial: 'initialising',
      states: {
        initialising: {
          invoke: { src: 'writeState', input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Initialising }) },
          always: { guard: { type: 'backendIs', params: { state: XenbusState.InitWait } }, target: 'initialised' },
        },
        initialised: {
          invoke: {
            src: 'writeState',
            input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Initialised, nodes: context.details }),
          },
          always: [
            { guard: { type: 'backendIs', params: { state: XenbusState.Connected } }, target: 'connecting' },
            { guard: 'backendLeftInitWait', target: 'initialising' },
          ],
        },
        connecting: {
          invoke: {
            src: 'readDirectory',
            input: ({ context }) => ({ xenbus: context.xenbus, dir: backendDirOf(context) }),
            onDone: { target: 'connected', actions: emit(({ event }) => ({ type: 'connected' as const, backend: event.output })) },
            onError: { target: 'initialising' },
          },
          always: { guard: 'backendLeftConnected', target: 'initialising' },
        },
        connected: {
          invoke: { src: 'writeState', input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Connected }) },
          always: { guard: 'backendLeftConnected', target: 'initialising' },
          exit: emit({ type: 'disconnected' as const }),
        },
        closing: {
          invoke: { src: 'writeState', input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Closing }) },
          always: { guard: 'backendClosing', target: '#frontend.closed' },
        },
      },
    },

    closed: {
      invoke: {
        src: 'writeState',
        input: ({ context }) => ({ xenbus: context.xenbus, dir: context.dir, state: XenbusState.Closed }),
        onDone: { target: 'done' },
      },
    },

    done: { type: 'final' },
    failed: { type: 'final' },
  },
});

function backendDirOf(context: FrontendContext): string {
  if (context.backendDir === undefined) throw new Error(`${context.dir}: attached without a backend`);
  return context.backendDir;
}

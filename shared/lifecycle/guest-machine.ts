/**
 * The supervisor's view of one guest:
 *
 *   defined → creating → booting → running → destroying → destroyed
 *   booting, running → crashed → destroyed     (the process exited, missed its watchdog, or did not
 *                                               boot in time: xl's on_crash=destroy, keeping why)
 *   creating, destroying, crashed → failed     (a driver call failed)
 *
 * `destroy` is taken in every state. A guest is never restarted: a new guest is a new machine.
 * All I/O is in the actors the supervisor provides (`machine.provide({ actors })`); the ones
 * declared here only fail. Timers are XState delays on the actor's clock, and time stamps read
 * `input.clock`: pass the same clock to both.
 */
import { assertEvent, assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { Clock } from '../clock.js';
import type { InstanceHandle } from '../drivers/driver.js';
import { describeError } from '../errors/xoar-error.js';
import type { Watchdog } from '../policy/types.js';
import { ActorNotProvidedError } from './actor-not-provided-error.js';
import { type Crash, CrashCause } from './crash.js';
import { watchdogFiredLate } from './late-watchdog.js';
import type { DestroyInstanceInput, InstanceReport, WatchInstanceInput } from './service-machine.js';

export interface GuestMachineInput {
  id: string;
  domid: number;
  /** `timeoutMs` without a heartbeat while running is a crash; so is not booting within `startTimeoutMs` of starting. */
  watchdog: Watchdog;
  clock: Clock;
}

export interface GuestMachineContext extends GuestMachineInput {
  /** The guest's process, as long as it may exist. */
  handle: InstanceHandle | undefined;
  /** Clock time the process started. */
  startedAt: number | undefined;
  /** Clock time the guest reported `booted`. */
  runningSince: number | undefined;
  /** Clock time the watchdog was last reset: running began, or a heartbeat came. */
  lastHeardAt: number | undefined;
  /** Why the guest crashed, once it has. */
  crash: Crash | undefined;
  /** Which driver call failed, and how, once one has. */
  failure: string | undefined;
  /** A destroy arrived while the process was being started: destroy it once it exists. */
  destroyRequested: boolean;
}

/** What the guest process reports (its `booted` and `heartbeat` reports, through the supervisor), and its exit. */
export type GuestInstanceEvent = { type: 'guest.booted' } | { type: 'guest.heartbeat' } | Extract<InstanceReport, { type: 'instance.exited' }>;

export type GuestCommand = { type: 'create' } | { type: 'destroy' };

export type GuestEvent = GuestInstanceEvent | GuestCommand;

/** What a guest tells its parent. */
export type GuestParentReport = { type: 'guest.running'; id: string } | { type: 'guest.gone'; id: string; crash?: Crash; failure?: string };

export interface StartGuestInput {
  id: string;
  domid: number;
}
export type DestroyGuestInput = DestroyInstanceInput;

type DriverStep = 'start' | 'destroy';

function notProvided(actor: string): never {
  throw new ActorNotProvidedError(actor);
}

function currentHandle(context: GuestMachineContext): InstanceHandle {
  if (context.handle === undefined) throw new Error(`${context.id}: no process in a state that needs one`);
  return context.handle;
}

const watchCurrent = {
  src: 'watchInstance',
  input: ({ context }: { context: GuestMachineContext }) => ({ handle: currentHandle(context) }),
} as const;

/** Destroys the process, then ends in `target`; a destroy that fails fails the guest. */
function destroyThen(target: 'destroyed') {
  return {
    src: 'destroyGuest',
    input: ({ context }: { context: GuestMachineContext }) => ({ id: context.id, handle: currentHandle(context) }),
    onDone: { target, actions: 'forgetHandle' },
    onError: {
      target: 'failed',
      actions: { type: 'recordDriverFailure', params: ({ event }: { event: { error: unknown } }) => ({ step: 'destroy' as const, error: event.error }) },
    },
  } as const;
}

export const guestMachine = setup({
  types: {
    input: {} as GuestMachineInput,
    context: {} as GuestMachineContext,
    events: {} as GuestEvent,
  },
  actors: {
    startGuest: fromPromise<InstanceHandle, StartGuestInput>(async () => notProvided('startGuest')),
    destroyGuest: fromPromise<void, DestroyGuestInput>(async () => notProvided('destroyGuest')),
    /** Sends `instance.exited` when the process is gone, also if it is gone already. */
    watchInstance: fromCallback<InstanceReport, WatchInstanceInput>(() => notProvided('watchInstance')),
  },
  guards: {
    destroyRequested: ({ context }) => context.destroyRequested,
    watchdogFiredLate: ({ context }) => watchdogFiredLate(context.lastHeardAt ?? context.clock.now(), context.clock.now(), context.watchdog),
  },
  delays: {
    startTimeout: ({ context }) => context.watchdog.startTimeoutMs,
    watchdogTimeout: ({ context }) => context.watchdog.timeoutMs,
    heartbeatPeriod: ({ context }) => context.watchdog.heartbeatMs,
  },
  actions: {
    keepHandle: assign((_, params: { handle: InstanceHandle }) => ({ handle: params.handle })),
    markStarted: assign({ startedAt: ({ context }) => context.clock.now() }),
    markRunning: assign({ runningSince: ({ context }) => context.clock.now() }),
    markHeard: assign({ lastHeardAt: ({ context }) => context.clock.now() }),
    forgetHandle: assign({ handle: undefined }),
    requestDestroy: assign({ destroyRequested: true }),
    recordCrash: assign(({ context }, params: { cause: typeof CrashCause.watchdog | typeof CrashCause.startTimeout }) => ({
      crash: { cause: params.cause, at: context.clock.now() },
    })),
    recordExit: assign(({ context, event }) => {
      assertEvent(event, 'instance.exited');
      const crash: Crash = { cause: CrashCause.exited, at: context.clock.now(), code: event.code, signal: event.signal, ...(event.detail === undefined ? {} : { detail: event.detail }) };
      return { crash };
    }),
    recordDriverFailure: assign((_, params: { step: DriverStep; error: unknown }) => ({ failure: `${params.step} failed: ${describeError(params.error)}` })),
    // sendParent throws when there is no parent (a guest machine run on its own), so check first.
    reportToParent: enqueueActions(({ enqueue, self }, report: GuestParentReport) => {
      if (self._parent) enqueue.sendParent(report);
    }),
  },
}).createMachine({
  id: 'guest',
  context: ({ input }) => ({ ...input, handle: undefined, startedAt: undefined, runningSince: undefined, lastHeardAt: undefined, crash: undefined, failure: undefined, destroyRequested: false }),
  initial: 'defined',
  states: {
    defined: {
      on: {
        create: { target: 'creating' },
        destroy: { target: 'destroyed' },
      },
    },

    creating: {
      invoke: {
        src: 'startGuest',
        input: ({ context }) => ({ id: context.id, domid: context.domid }),
        onDone: [
          { guard: 'destroyRequested', target: 'destroying', actions: { type: 'keepHandle', params: ({ event }) => ({ handle: event.output }) } },
          { target: 'booting', actions: [{ type: 'keepHandle', params: ({ event }) => ({ handle: event.output }) }, 'markStarted'] },
        ],
        onError: { target: 'failed', actions: { type: 'recordDriverFailure', params: ({ event }) => ({ step: 'start', error: event.error }) } },
      },
      on: { destroy: { actions: 'requestDestroy' } },
    },

    booting: {
      invoke: watchCurrent,
      after: { startTimeout: { target: 'crashed', actions: { type: 'recordCrash', params: { cause: CrashCause.startTimeout } } } },
      on: {
        'guest.booted': { target: 'running' },
        'instance.exited': { target: 'crashed', actions: 'recordExit' },
        destroy: { target: 'destroying' },
      },
    },

    running: {
      entry: ['markRunning', { type: 'reportToParent', params: ({ context }) => ({ type: 'guest.running', id: context.id }) }],
      invoke: watchCurrent,
      initial: 'watched',
      states: {
        // Re-entered on every heartbeat, which restarts only the watchdog timer.
        watched: {
          entry: 'markHeard',
          after: {
            watchdogTimeout: [
              { guard: 'watchdogFiredLate', target: 'overdue' },
              { target: '#guest.crashed', actions: { type: 'recordCrash', params: { cause: CrashCause.watchdog } } },
            ],
          },
          on: { 'guest.heartbeat': { target: 'watched', reenter: true } },
        },
        // The timer fired late, so the supervisor was stalled: the heartbeats that came meanwhile are read first.
        overdue: {
          after: { heartbeatPeriod: { target: '#guest.crashed', actions: { type: 'recordCrash', params: { cause: CrashCause.watchdog } } } },
          on: { 'guest.heartbeat': { target: 'watched' } },
        },
      },
      on: {
        'instance.exited': { target: 'crashed', actions: 'recordExit' },
        destroy: { target: 'destroying' },
      },
    },

    destroying: { invoke: destroyThen('destroyed') },

    // The crash is recorded on the way in; what is left of the process (a hung one is alive) goes.
    crashed: { invoke: destroyThen('destroyed') },

    destroyed: {
      type: 'final',
      entry: {
        type: 'reportToParent',
        params: ({ context }) => ({ type: 'guest.gone', id: context.id, ...(context.crash === undefined ? {} : { crash: context.crash }) }),
      },
    },

    failed: {
      type: 'final',
      entry: {
        type: 'reportToParent',
        params: ({ context }) => ({ type: 'guest.gone', id: context.id, failure: context.failure ?? 'unknown', ...(context.crash === undefined ? {} : { crash: context.crash }) }),
      },
    },
  },
});

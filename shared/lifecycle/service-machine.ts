/**
 * The lifecycle of one service VM (DESIGN.md, "Lifecycle of a service VM"):
 *
 *   defined → creating → booting → initializing → snapshotting → running
 *   running → rollingBack → running          (timer, request, operator, or a crash within budget)
 *   running → retiring → destroyed           (a disposable told to self-destruct)
 *   any     → stopping → stopped             (operator or host shutdown)
 *   crashed → failed                         (restart budget exceeded, or a driver call failed)
 *
 * All I/O is in the actors the supervisor provides (`machine.provide({ actors })`); the ones
 * declared here only fail, so a forgotten one is loud. Timers are XState delays on the actor's
 * clock, and time stamps read `input.clock`: pass the same clock to both.
 */
import { assertEvent, assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { Clock } from '../clock.js';
import type { InstanceHandle, Snapshot } from '../drivers/driver.js';
import { describeError } from '../errors/xoar-error.js';
import type { RestartBudget, RestartSchedule, Watchdog } from '../policy/types.js';
import { ActorNotProvidedError } from './actor-not-provided-error.js';
import { type Crash, CrashCause, describeCrash } from './crash.js';
import { crashTimesInWindow, restartBackoffMs, restartBudgetExhausted } from './restart-budget.js';

export interface ServiceMachineInput {
  id: string;
  role: string;
  disposable: boolean;
  restart: RestartSchedule;
  budget: RestartBudget;
  watchdog: Watchdog;
  clock: Clock;
}

export const RollbackCause = {
  operator: 'operator',
  request: 'request',
  timer: 'timer',
  crash: 'crash',
} as const;
export type RollbackCause = (typeof RollbackCause)[keyof typeof RollbackCause];

export interface Rollback {
  /** Clock time the rollback began. */
  at: number;
  cause: RollbackCause;
  /** From entering `rollingBack` to the fresh instance running. */
  durationMs: number;
}

/** What an instance reports about itself, through the supervisor. Each names its instance. */
export type InstanceReport =
  | { type: 'instance.booted'; instance: number }
  | { type: 'instance.initialized'; instance: number }
  | { type: 'instance.heartbeat'; instance: number }
  | { type: 'instance.exited'; instance: number; code: number | null; signal: string | null; detail?: string };

/** What the host or an operator asks of the service. */
export type ServiceCommand =
  | { type: 'start' }
  | { type: 'retire' }
  | { type: 'rollback'; cause: typeof RollbackCause.operator | typeof RollbackCause.request }
  /** A new restart schedule (a policy applied live); a running service's period starts over now. */
  | { type: 'reschedule'; restart: RestartSchedule }
  | { type: 'stop' };

export type ServiceEvent = InstanceReport | ServiceCommand;

/** What a service tells its parent (the host machine). */
export type ServiceReport =
  | { type: 'service.ready'; id: string }
  | { type: 'service.gone'; id: string }
  | { type: 'service.failed'; id: string; reason: string };

export interface ServiceContext extends ServiceMachineInput {
  /** The newest instance's number, 0 before the first start; reports from others are stale. */
  instance: number;
  /** The newest instance, as long as it may exist (until destroyed). */
  handle: InstanceHandle | undefined;
  /** Clock time the newest instance started, for the start deadline. */
  startedAt: number | undefined;
  snapshot: Snapshot | undefined;
  rollbacks: number;
  rollbackInProgress: Omit<Rollback, 'durationMs'> | undefined;
  lastRollback: Rollback | undefined;
  /** Crash times inside the restart budget window, oldest first. */
  crashTimes: number[];
  lastCrash: Crash | undefined;
  /** Clock time of the last entry to `running`. */
  runningSince: number | undefined;
  /** Why the service failed, once it has. */
  failure: string | undefined;
  /** A stop arrived while a start or restore was in flight; honour it once it settles. */
  stopRequested: boolean;
  /** A disposable was told to retire while its snapshot was being taken; retire once taken. */
  retireRequested: boolean;
}

export interface StartInstanceInput {
  id: string;
  instance: number;
}
export interface TakeSnapshotInput {
  id: string;
  handle: InstanceHandle;
}
export interface RestoreInstanceInput {
  id: string;
  snapshot: Snapshot;
  instance: number;
}
export interface DestroyInstanceInput {
  id: string;
  handle: InstanceHandle;
}
export interface WatchInstanceInput {
  handle: InstanceHandle;
}

/** The driver call that failed, for the failure text. */
type DriverStep = 'start' | 'snapshot' | 'restore' | 'destroy';

function notProvided(actor: string): never {
  throw new ActorNotProvidedError(actor);
}

function currentHandle(context: ServiceContext): InstanceHandle {
  if (context.handle === undefined) throw new Error(`${context.id}: no instance in state that needs one`);
  return context.handle;
}

function currentSnapshot(context: ServiceContext): Snapshot {
  if (context.snapshot === undefined) throw new Error(`${context.id}: rollback without a snapshot`);
  return context.snapshot;
}

/** A crash counts against the restart budget and abandons any rollback under way. */
function withCrash(context: ServiceContext, crash: Omit<Crash, 'at'>): Partial<ServiceContext> {
  const at = context.clock.now();
  return {
    lastCrash: { ...crash, at },
    crashTimes: crashTimesInWindow(context.crashTimes, at, context.budget),
    rollbackInProgress: undefined,
  };
}

/**
 * A start phase (booting, initializing; also inside rollingBack): waits for `report` from the
 * current instance, then takes `next`; its exit, or the start deadline passing, is a crash.
 */
function awaitingStartReport(
  report: 'instance.booted' | 'instance.initialized',
  next: { target: string; actions?: 'completeRollback' },
  also: { stop?: { target: 'stopping' } } = {},
) {
  return {
    invoke: { src: 'watchInstance', input: ({ context }: { context: ServiceContext }) => ({ handle: currentHandle(context) }) },
    after: {
      startDeadline: {
        target: '#service.crashed',
        actions: { type: 'recordCrash', params: { cause: CrashCause.startTimeout } },
      },
    },
    on: {
      [report]: { guard: 'isCurrentInstance', ...next },
      'instance.exited': { guard: 'isCurrentInstance', target: '#service.crashed', actions: 'recordExit' },
      ...also,
    },
  } as const;
}

/** Destroys the current instance, then ends in `target`; a destroy that fails fails the service. */
function destroyInstanceThen(target: 'destroyed' | 'stopped') {
  return {
    src: 'destroyInstance',
    input: ({ context }: { context: ServiceContext }) => ({ id: context.id, handle: currentHandle(context) }),
    onDone: { target, actions: 'forgetInstance' },
    onError: {
      target: 'failed',
      actions: { type: 'recordDriverFailure', params: ({ event }: { event: { error: unknown } }) => ({ step: 'destroy' as const, error: event.error }) },
    },
  } as const;
}

export const serviceMachine = setup({
  types: {
    input: {} as ServiceMachineInput,
    context: {} as ServiceContext,
    events: {} as ServiceEvent,
  },
  actors: {
    startInstance: fromPromise<InstanceHandle, StartInstanceInput>(async () => notProvided('startInstance')),
    takeSnapshot: fromPromise<Snapshot, TakeSnapshotInput>(async () => notProvided('takeSnapshot')),
    restoreInstance: fromPromise<InstanceHandle, RestoreInstanceInput>(async () => notProvided('restoreInstance')),
    destroyInstance: fromPromise<void, DestroyInstanceInput>(async () => notProvided('destroyInstance')),
    /** Sends `instance.exited` when the instance is gone, also if it is gone already. */
    watchInstance: fromCallback<InstanceReport, WatchInstanceInput>(() => notProvided('watchInstance')),
  },
  guards: {
    isCurrentInstance: ({ context, event }) => 'instance' in event && event.instance === context.instance,
    isDisposable: ({ context }) => context.disposable,
    restartsOnTimer: ({ context }) => context.restart.kind === 'every',
    hasSnapshot: ({ context }) => context.snapshot !== undefined,
    hasInstance: ({ context }) => context.handle !== undefined,
    stopRequested: ({ context }) => context.stopRequested,
    retireRequested: ({ context }) => context.retireRequested,
    restartBudgetExhausted: ({ context }) => restartBudgetExhausted(context.crashTimes.length, context.budget),
  },
  delays: {
    /** What is left of `startTimeoutMs` since the instance started (booting + initializing). */
    startDeadline: ({ context }) => {
      const now = context.clock.now();
      return Math.max(0, (context.startedAt ?? now) + context.watchdog.startTimeoutMs - now);
    },
    watchdogTimeout: ({ context }) => context.watchdog.timeoutMs,
    /** Not periodic: fires at once and `restartsOnTimer` blocks it. */
    restartPeriod: ({ context }) => (context.restart.kind === 'every' ? context.restart.periodMs : 0),
    crashBackoff: ({ context }) => restartBackoffMs(context.crashTimes.length, context.budget),
  },
  actions: {
    takeNextInstanceNumber: assign({ instance: ({ context }) => context.instance + 1 }),
    keepInstance: assign((_, params: { handle: InstanceHandle }) => ({ handle: params.handle })),
    markInstanceStarted: assign({ startedAt: ({ context }) => context.clock.now() }),
    forgetInstance: assign({ handle: undefined }),
    keepSnapshot: assign((_, params: { snapshot: Snapshot }) => ({ snapshot: params.snapshot })),
    markRunning: assign({ runningSince: ({ context }) => context.clock.now() }),
    requestStop: assign({ stopRequested: true }),
    requestRetire: assign({ retireRequested: true }),
    setRestart: assign(({ event }) => {
      assertEvent(event, 'reschedule');
      return { restart: event.restart };
    }),
    beginRollback: assign(({ context }, params: { cause: RollbackCause }) => ({
      rollbackInProgress: { at: context.clock.now(), cause: params.cause },
    })),
    completeRollback: assign(({ context }) => {
      if (context.rollbackInProgress === undefined) return {};
      const { at, cause } = context.rollbackInProgress;
      return {
        rollbacks: context.rollbacks + 1,
        lastRollback: { at, cause, durationMs: context.clock.now() - at },
        rollbackInProgress: undefined,
      };
    }),
    recordCrash: assign(({ context }, params: Omit<Crash, 'at'>) => withCrash(context, params)),
    recordExit: assign(({ context, event }) => {
      assertEvent(event, 'instance.exited');
      return withCrash(context, { cause: CrashCause.exited, code: event.code, signal: event.signal, ...(event.detail === undefined ? {} : { detail: event.detail }) });
    }),
    recordDriverFailure: assign((_, params: { step: DriverStep; error: unknown }) => ({
      failure: `${params.step} failed: ${describeError(params.error)}`,
    })),
    recordBudgetFailure: assign(({ context }) => {
      const last = context.lastCrash === undefined ? 'unknown' : describeCrash(context.lastCrash, context.watchdog);
      return {
        failure: `crashed ${context.crashTimes.length} times within ${context.budget.windowMs} ms (last: ${last})`,
      };
    }),
    // sendParent throws when there is no parent (a service run on its own), so check first.
    reportToParent: enqueueActions(({ enqueue, self }, report: ServiceReport) => {
      if (self._parent) enqueue.sendParent(report);
    }),
  },
}).createMachine({
  id: 'service',
  context: ({ input }) => ({
    ...input,
    instance: 0,
    handle: undefined,
    startedAt: undefined,
    snapshot: undefined,
    rollbacks: 0,
    rollbackInProgress: undefined,
    lastRollback: undefined,
    crashTimes: [],
    lastCrash: undefined,
    runningSince: undefined,
    failure: undefined,
    stopRequested: false,
    retireRequested: false,
  }),
  initial: 'defined',
  on: { reschedule: { actions: 'setRestart' } },
  states: {
    defined: {
      on: {
        start: { target: 'creating' },
        stop: { target: 'stopped' },
      },
    },

    creating: {
      entry: 'takeNextInstanceNumber',
      invoke: {
        src: 'startInstance',
        input: ({ context }) => ({ id: context.id, instance: context.instance }),
        onDone: [
          {
            guard: 'stopRequested',
            target: 'stopping',
            actions: { type: 'keepInstance', params: ({ event }) => ({ handle: event.output }) },
          },
          {
            target: 'booting',
            actions: [
              { type: 'keepInstance', params: ({ event }) => ({ handle: event.output }) },
              'markInstanceStarted',
            ],
          },
        ],
        onError: {
          target: 'failed',
          actions: { type: 'recordDriverFailure', params: ({ event }) => ({ step: 'start', error: event.error }) },
        },
      },
      on: { stop: { actions: 'requestStop' } },
    },

    booting: awaitingStartReport('instance.booted', { target: 'initializing' }, { stop: { target: 'stopping' } }),

    initializing: awaitingStartReport('instance.initialized', { target: 'snapshotting' }, { stop: { target: 'stopping' } }),

    snapshotting: {
      invoke: [
        { src: 'watchInstance', input: ({ context }) => ({ handle: currentHandle(context) }) },
        {
          src: 'takeSnapshot',
          input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }),
          onDone: [
            {
              guard: 'retireRequested',
              target: 'retiring',
              actions: { type: 'keepSnapshot', params: ({ event }) => ({ snapshot: event.output }) },
            },
            {
              target: 'running',
              actions: [
                { type: 'keepSnapshot', params: ({ event }) => ({ snapshot: event.output }) },
                // The only way into running from here: this is the first time.
                { type: 'reportToParent', params: ({ context }) => ({ type: 'service.ready', id: context.id }) },
              ],
            },
          ],
          onError: {
            target: 'failing',
            actions: {
              type: 'recordDriverFailure',
              params: ({ event }) => ({ step: 'snapshot', error: event.error }),
            },
          },
        },
      ],
      on: {
        'instance.exited': { guard: 'isCurrentInstance', target: 'crashed', actions: 'recordExit' },
        // A disposable can finish its job before its snapshot is stored.
        retire: { guard: 'isDisposable', actions: 'requestRetire' },
        stop: { target: 'stopping' },
      },
    },

    running: {
      entry: 'markRunning',
      invoke: { src: 'watchInstance', input: ({ context }) => ({ handle: currentHandle(context) }) },
      after: {
        restartPeriod: {
          guard: 'restartsOnTimer',
          target: 'rollingBack',
          actions: { type: 'beginRollback', params: { cause: RollbackCause.timer } },
        },
      },
      initial: 'watched',
      states: {
        // Re-entered on every heartbeat, which restarts only the watchdog timer.
        watched: {
          after: {
            watchdogTimeout: {
              target: '#service.crashed',
              actions: { type: 'recordCrash', params: { cause: CrashCause.watchdog } },
            },
          },
          on: {
            'instance.heartbeat': { guard: 'isCurrentInstance', target: 'watched', reenter: true },
          },
        },
      },
      on: {
        rollback: {
          target: 'rollingBack',
          actions: { type: 'beginRollback', params: ({ event }) => ({ cause: event.cause }) },
        },
        'instance.exited': { guard: 'isCurrentInstance', target: 'crashed', actions: 'recordExit' },
        retire: { guard: 'isDisposable', target: 'retiring' },
        stop: { target: 'stopping' },
        reschedule: { target: 'running', reenter: true, actions: 'setRestart' },
      },
    },

    // Destroy the current instance, restore a fresh one from the snapshot, wait until it is ready.
    rollingBack: {
      initial: 'destroying',
      on: { stop: { target: 'stopping' } },
      states: {
        destroying: {
          invoke: {
            src: 'destroyInstance',
            input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }),
            onDone: { target: 'restoring', actions: 'forgetInstance' },
            onError: {
              target: '#service.failed',
              actions: {
                type: 'recordDriverFailure',
                params: ({ event }) => ({ step: 'destroy', error: event.error }),
              },
            },
          },
        },
        restoring: {
          entry: 'takeNextInstanceNumber',
          invoke: {
            src: 'restoreInstance',
            input: ({ context }) => ({
              id: context.id,
              snapshot: currentSnapshot(context),
              instance: context.instance,
            }),
            onDone: [
              {
                guard: 'stopRequested',
                target: '#service.stopping',
                actions: { type: 'keepInstance', params: ({ event }) => ({ handle: event.output }) },
              },
              {
                target: 'booting',
                actions: [
                  { type: 'keepInstance', params: ({ event }) => ({ handle: event.output }) },
                  'markInstanceStarted',
                ],
              },
            ],
            onError: {
              target: '#service.failed',
              actions: {
                type: 'recordDriverFailure',
                params: ({ event }) => ({ step: 'restore', error: event.error }),
              },
            },
          },
          on: { stop: { actions: 'requestStop' } },
        },
        booting: awaitingStartReport('instance.booted', { target: 'initializing' }),
        initializing: awaitingStartReport('instance.initialized', { target: '#service.running', actions: 'completeRollback' }),
      },
    },

    // The crash is recorded on the way in. Kill what is left of the instance (a hung one is
    // still alive), then give up if over budget, else back off and restart.
    crashed: {
      initial: 'destroying',
      on: {
        stop: [{ guard: 'hasInstance', target: 'stopping' }, { target: 'stopped' }],
      },
      states: {
        destroying: {
          invoke: {
            src: 'destroyInstance',
            input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }),
            onDone: [
              {
                guard: 'restartBudgetExhausted',
                target: '#service.failed',
                actions: ['forgetInstance', 'recordBudgetFailure'],
              },
              { target: 'backingOff', actions: 'forgetInstance' },
            ],
            onError: {
              target: '#service.failed',
              actions: {
                type: 'recordDriverFailure',
                params: ({ event }) => ({ step: 'destroy', error: event.error }),
              },
            },
          },
        },
        backingOff: {
          after: {
            crashBackoff: [
              {
                guard: 'hasSnapshot',
                // The crashed instance is destroyed already.
                target: '#service.rollingBack.restoring',
                actions: { type: 'beginRollback', params: { cause: RollbackCause.crash } },
              },
              { target: '#service.creating' },
            ],
          },
        },
      },
    },

    retiring: { invoke: destroyInstanceThen('destroyed') },

    stopping: { invoke: destroyInstanceThen('stopped') },

    // Failed with an instance still alive: destroy it first (`failure` is already set).
    failing: {
      invoke: {
        src: 'destroyInstance',
        input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }),
        onDone: { target: 'failed', actions: 'forgetInstance' },
        onError: { target: 'failed' },
      },
    },

    failed: {
      type: 'final',
      entry: {
        type: 'reportToParent',
        params: ({ context }) => ({ type: 'service.failed', id: context.id, reason: context.failure ?? 'unknown' }),
      },
    },
    destroyed: {
      type: 'final',
      entry: { type: 'reportToParent', params: ({ context }) => ({ type: 'service.gone', id: context.id }) },
    },
    stopped: {
      type: 'final',
      entry: { type: 'reportToParent', params: ({ context }) => ({ type: 'service.gone', id: context.id }) },
    },
  },
});

/**
 * The lifecycle of one service VM (DESIGN.md, "Lifecycle of a service VM"):
 *
 *   defined → creating → booting → initializing → snapshotting → running
 *   running → rollingBack → running          (timer, request, operator, or a crash within budget;
 *                                             `request`: a one-shot instance reported itself drained)
 *   running → resnapshotting → running       (operator: retake the snapshot after an upgrade)
 *   running → retiring → destroyed           (a disposable told to self-destruct)
 *   any     → stopping → stopped             (operator or host shutdown)
 *   crashed → failed                         (restart budget exceeded, or a driver call failed)
 *   running: watched → overdue → crashed     (the watchdog fired late: a heartbeat period to read
 *                                             what came while the supervisor stalled)
 *
 * Rollback comes in two kinds. Replace (the default): destroy the instance, restore a fresh one
 * from the snapshot, wait until it has initialised. Make before break (`makeBeforeBreak`): take
 * a warm standby the supervisor keeps restored from the snapshot, activate it (it joins the
 * service's queue group with the recovery box handed over), drain the old instance (it leaves
 * the queue group and answers what it holds), then destroy it; clients see no gap.
 *
 *   rollingBack: takingStandby → activating → draining → retiringOld → running
 *                activating ⇢ discardingIncoming → running (the standby failed; the old one still serves)
 *   exclusive:   takingStandby → handingOver → retiringFirst → activating → running
 *
 * All I/O is in the actors the supervisor provides (`machine.provide({ actors })`); the ones
 * declared here only fail, so a forgotten one is loud. Timers are XState delays on the actor's
 * clock, and time stamps read `input.clock`: pass the same clock to both.
 */
import { and, assertEvent, assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { Clock } from '../clock.js';
import type { InstanceHandle, Snapshot } from '../drivers/driver.js';
import { describeError } from '../errors/xoar-error.js';
import type { RestartBudget, RestartSchedule, Watchdog } from '../policy/types.js';
import { ActorNotProvidedError } from './actor-not-provided-error.js';
import { type Crash, CrashCause, describeCrash } from './crash.js';
import { watchdogFiredLate } from './late-watchdog.js';
import { crashTimesInWindow, restartBackoffMs, restartBudgetExhausted } from './restart-budget.js';

export interface ServiceMachineInput {
  id: string;
  role: string;
  disposable: boolean;
  restart: RestartSchedule;
  budget: RestartBudget;
  watchdog: Watchdog;
  clock: Clock;
  /** Roll back by activating a warm standby before the old instance is cut off (default: replace). */
  makeBeforeBreak?: boolean;
  /**
   * Its instances hold what only one may hold at a time (a backend's devices in XenStore): with
   * make before break, the old instance drains and is destroyed before the warm standby takes over.
   */
  exclusive?: boolean;
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
  /** A standby told to activate has joined the queue group (make before break). */
  | { type: 'instance.activated'; instance: number }
  /** An instance told to drain has left the queue group and answered what it held. */
  | { type: 'instance.drained'; instance: number }
  | { type: 'instance.exited'; instance: number; code: number | null; signal: string | null; detail?: string };

/** What the host or an operator asks of the service. */
export type ServiceCommand =
  | { type: 'start' }
  | { type: 'retire' }
  | { type: 'rollback'; cause: typeof RollbackCause.operator | typeof RollbackCause.request }
  /** A new restart schedule (a policy applied live); a running service's period starts over now. */
  | { type: 'reschedule'; restart: RestartSchedule }
  /** Retake the snapshot from the running instance (after an upgrade of the role's code). */
  | { type: 'snapshot' }
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
  /** During a make-before-break rollback: the standby taking over from `handle`. */
  incoming: InstanceHandle | undefined;
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
  /** Clock time the watchdog was last reset: running began, or a heartbeat came. */
  lastHeardAt: number | undefined;
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
export interface TakeStandbyInput {
  id: string;
  snapshot: Snapshot;
}
/** Activate (`incoming`, with the recovery box) or drain (the old one) one instance. */
export interface SwitchInstanceInput {
  id: string;
  handle: InstanceHandle;
}
export interface DestroyInstanceInput {
  id: string;
  handle: InstanceHandle;
}
export interface WatchInstanceInput {
  handle: InstanceHandle;
}

/** The driver call that failed, for the failure text. */
type DriverStep = 'start' | 'snapshot' | 'restore' | 'standby' | 'destroy';

function notProvided(actor: string): never {
  throw new ActorNotProvidedError(actor);
}

function currentHandle(context: ServiceContext): InstanceHandle {
  if (context.handle === undefined) throw new Error(`${context.id}: no instance in state that needs one`);
  return context.handle;
}

function incomingHandle(context: ServiceContext): InstanceHandle {
  if (context.incoming === undefined) throw new Error(`${context.id}: no standby in state that needs one`);
  return context.incoming;
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
    /** A warm standby restored from the snapshot and initialised, not yet serving; its number is its own. */
    takeStandby: fromPromise<InstanceHandle, TakeStandbyInput>(async () => notProvided('takeStandby')),
    /** Tells a standby to take the recovery box and join the queue group; it reports `instance.activated`. */
    activateInstance: fromPromise<void, SwitchInstanceInput>(async () => notProvided('activateInstance')),
    /** Tells an instance to leave the queue group; it reports `instance.drained`. */
    drainInstance: fromPromise<void, SwitchInstanceInput>(async () => notProvided('drainInstance')),
    destroyInstance: fromPromise<void, DestroyInstanceInput>(async () => notProvided('destroyInstance')),
    /** Sends `instance.exited` when the instance is gone, also if it is gone already. */
    watchInstance: fromCallback<InstanceReport, WatchInstanceInput>(() => notProvided('watchInstance')),
  },
  guards: {
    isCurrentInstance: ({ context, event }) => 'instance' in event && event.instance === context.instance,
    isIncomingInstance: ({ context, event }) => 'instance' in event && context.incoming !== undefined && event.instance === context.incoming.instance,
    makesBeforeBreak: ({ context }) => context.makeBeforeBreak === true,
    isExclusive: ({ context }) => context.exclusive === true,
    isDisposable: ({ context }) => context.disposable,
    restartsOnTimer: ({ context }) => context.restart.kind === 'every',
    hasSnapshot: ({ context }) => context.snapshot !== undefined,
    hasInstance: ({ context }) => context.handle !== undefined,
    stopRequested: ({ context }) => context.stopRequested,
    retireRequested: ({ context }) => context.retireRequested,
    restartBudgetExhausted: ({ context }) => restartBudgetExhausted(context.crashTimes.length, context.budget),
    failedAlready: ({ context }) => context.failure !== undefined,
    watchdogFiredLate: ({ context }) => watchdogFiredLate(context.lastHeardAt ?? context.clock.now(), context.clock.now(), context.watchdog),
  },
  delays: {
    /** What is left of `startTimeoutMs` since the instance started (booting + initializing). */
    startDeadline: ({ context }) => {
      const now = context.clock.now();
      return Math.max(0, (context.startedAt ?? now) + context.watchdog.startTimeoutMs - now);
    },
    watchdogTimeout: ({ context }) => context.watchdog.timeoutMs,
    heartbeatPeriod: ({ context }) => context.watchdog.heartbeatMs,
    /** Not periodic: fires at once and `restartsOnTimer` blocks it. */
    restartPeriod: ({ context }) => (context.restart.kind === 'every' ? context.restart.periodMs : 0),
    crashBackoff: ({ context }) => restartBackoffMs(context.crashTimes.length, context.budget),
    /** How long a standby may take to activate, and an old instance to drain. */
    switchDeadline: ({ context }) => context.watchdog.timeoutMs,
  },
  actions: {
    takeNextInstanceNumber: assign({ instance: ({ context }) => context.instance + 1 }),
    // The driver side may number an instance itself (a standby pool does): its number is the one.
    keepInstance: assign((_, params: { handle: InstanceHandle }) => ({ handle: params.handle, instance: params.handle.instance })),
    markInstanceStarted: assign({ startedAt: ({ context }) => context.clock.now() }),
    forgetInstance: assign({ handle: undefined }),
    keepIncoming: assign((_, params: { handle: InstanceHandle }) => ({ incoming: params.handle })),
    forgetIncoming: assign({ incoming: undefined }),
    /** The standby becomes the instance: its number, its handle, its start. */
    promoteIncoming: assign(({ context }) => ({
      handle: incomingHandle(context),
      instance: incomingHandle(context).instance,
      incoming: undefined,
      startedAt: context.clock.now(),
    })),
    keepSnapshot: assign((_, params: { snapshot: Snapshot }) => ({ snapshot: params.snapshot })),
    markRunning: assign({ runningSince: ({ context }) => context.clock.now() }),
    markHeard: assign({ lastHeardAt: ({ context }) => context.clock.now() }),
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
    incoming: undefined,
    startedAt: undefined,
    snapshot: undefined,
    rollbacks: 0,
    rollbackInProgress: undefined,
    lastRollback: undefined,
    crashTimes: [],
    lastCrash: undefined,
    runningSince: undefined,
    lastHeardAt: undefined,
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
          entry: 'markHeard',
          after: {
            watchdogTimeout: [
              { guard: 'watchdogFiredLate', target: 'overdue' },
              { target: '#service.crashed', actions: { type: 'recordCrash', params: { cause: CrashCause.watchdog } } },
            ],
          },
          on: {
            'instance.heartbeat': { guard: 'isCurrentInstance', target: 'watched', reenter: true },
          },
        },
        // The timer fired late, so the supervisor was stalled: the heartbeats that came meanwhile are read first.
        overdue: {
          after: {
            heartbeatPeriod: { target: '#service.crashed', actions: { type: 'recordCrash', params: { cause: CrashCause.watchdog } } },
          },
          on: {
            'instance.heartbeat': { guard: 'isCurrentInstance', target: 'watched' },
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
        snapshot: { target: 'resnapshotting' },
        // Drained without being told to: a one-shot instance answered its one request (per-request rollback).
        'instance.drained': {
          guard: 'isCurrentInstance',
          target: 'rollingBack',
          actions: { type: 'beginRollback', params: { cause: RollbackCause.request } },
        },
        stop: { target: 'stopping' },
        reschedule: { target: 'running', reenter: true, actions: 'setRestart' },
      },
    },

    // The instance keeps serving while its image is taken again; the standbys follow the new one.
    resnapshotting: {
      invoke: [
        { src: 'watchInstance', input: ({ context }) => ({ handle: currentHandle(context) }) },
        {
          src: 'takeSnapshot',
          input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }),
          onDone: { target: 'running', actions: { type: 'keepSnapshot', params: ({ event }) => ({ snapshot: event.output }) } },
          // The snapshot it had still stands.
          onError: { target: 'running' },
        },
      ],
      on: {
        'instance.exited': { guard: 'isCurrentInstance', target: 'crashed', actions: 'recordExit' },
        stop: { target: 'stopping' },
      },
    },

    // Replace: destroy the current instance, restore a fresh one from the snapshot, wait until it
    // is ready. Make before break: take a warm standby, activate it, drain the old one, destroy it.
    rollingBack: {
      initial: 'choosing',
      on: { stop: { target: 'stopping' } },
      states: {
        choosing: {
          always: [{ guard: 'makesBeforeBreak', target: 'takingStandby' }, { target: 'destroying' }],
        },
        takingStandby: {
          invoke: {
            src: 'takeStandby',
            input: ({ context }) => ({ id: context.id, snapshot: currentSnapshot(context) }),
            onDone: [
              {
                guard: 'stopRequested',
                target: 'discardingIncoming',
                actions: { type: 'keepIncoming', params: ({ event }) => ({ handle: event.output }) },
              },
              {
                guard: and(['isExclusive', 'hasInstance']),
                target: 'handingOver',
                actions: { type: 'keepIncoming', params: ({ event }) => ({ handle: event.output }) },
              },
              { target: 'activating', actions: { type: 'keepIncoming', params: ({ event }) => ({ handle: event.output }) } },
            ],
            onError: [
              // No standby to be had: replace instead, if there is anything to replace.
              { guard: 'hasInstance', target: 'destroying' },
              { target: 'restoring' },
            ],
          },
          // Leaving stops (aborts) the take: a standby not yet handed over stays the pool's to destroy.
          on: { stop: [{ guard: 'hasInstance', target: '#service.stopping' }, { target: '#service.stopped' }] },
        },
        // Exclusive: the old instance lets go of what it holds (drains), and is gone before the standby takes over.
        handingOver: {
          invoke: { src: 'drainInstance', input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }) },
          after: { switchDeadline: { target: 'retiringFirst' } },
          on: {
            'instance.drained': { guard: 'isCurrentInstance', target: 'retiringFirst' },
            stop: { target: 'discardingIncoming', actions: 'requestStop' },
          },
        },
        retiringFirst: {
          invoke: {
            src: 'destroyInstance',
            input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }),
            onDone: { target: 'activating', actions: 'forgetInstance' },
            onError: {
              target: 'discardingIncoming',
              actions: { type: 'recordDriverFailure', params: ({ event }) => ({ step: 'destroy', error: event.error }) },
            },
          },
          on: { stop: { target: 'discardingIncoming', actions: 'requestStop' } },
        },
        activating: {
          invoke: [
            { src: 'watchInstance', input: ({ context }) => ({ handle: incomingHandle(context) }) },
            { src: 'activateInstance', input: ({ context }) => ({ id: context.id, handle: incomingHandle(context) }) },
          ],
          after: {
            switchDeadline: { target: 'discardingIncoming', actions: { type: 'recordCrash', params: { cause: CrashCause.startTimeout } } },
          },
          on: {
            'instance.activated': [
              { guard: and(['isIncomingInstance', 'hasInstance']), target: 'draining' },
              // After a crash there is no old instance left to drain.
              { guard: 'isIncomingInstance', target: '#service.running', actions: ['promoteIncoming', 'completeRollback'] },
            ],
            'instance.exited': { guard: 'isIncomingInstance', target: 'discardingIncoming', actions: 'recordExit' },
            stop: { target: 'discardingIncoming', actions: 'requestStop' },
          },
        },
        // Both serve now; the old one leaves the queue group and answers what it holds.
        draining: {
          invoke: { src: 'drainInstance', input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }) },
          after: { switchDeadline: { target: 'retiringOld' } },
          on: {
            'instance.drained': { guard: 'isCurrentInstance', target: 'retiringOld' },
            stop: { target: 'discardingIncoming', actions: 'requestStop' },
          },
        },
        retiringOld: {
          invoke: {
            src: 'destroyInstance',
            input: ({ context }) => ({ id: context.id, handle: currentHandle(context) }),
            onDone: { target: '#service.running', actions: ['promoteIncoming', 'completeRollback'] },
            onError: {
              target: 'discardingIncoming',
              actions: { type: 'recordDriverFailure', params: ({ event }) => ({ step: 'destroy', error: event.error }) },
            },
          },
          on: { stop: { target: 'discardingIncoming', actions: 'requestStop' } },
        },
        // The standby failed (or a stop came): destroy it; the old instance, if any, goes on.
        discardingIncoming: {
          invoke: {
            src: 'destroyInstance',
            input: ({ context }) => ({ id: context.id, handle: incomingHandle(context) }),
            onDone: [
              { guard: and(['stopRequested', 'hasInstance']), target: '#service.stopping', actions: 'forgetIncoming' },
              { guard: 'stopRequested', target: '#service.stopped', actions: 'forgetIncoming' },
              { guard: 'failedAlready', target: '#service.failing', actions: 'forgetIncoming' },
              { guard: 'hasInstance', target: '#service.running', actions: 'forgetIncoming' },
              { guard: 'restartBudgetExhausted', target: '#service.failed', actions: ['forgetIncoming', 'recordBudgetFailure'] },
              { target: '#service.crashed.backingOff', actions: 'forgetIncoming' },
            ],
            onError: {
              target: '#service.failed',
              actions: { type: 'recordDriverFailure', params: ({ event }) => ({ step: 'destroy', error: event.error }) },
            },
          },
          on: { stop: { actions: 'requestStop' } },
        },
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
                guard: and(['hasSnapshot', 'makesBeforeBreak']),
                // The crashed instance is destroyed already: a standby takes over.
                target: '#service.rollingBack.takingStandby',
                actions: { type: 'beginRollback', params: { cause: RollbackCause.crash } },
              },
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

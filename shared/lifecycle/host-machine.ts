/**
 * The host: boots its service VMs phase by phase, one service-machine child each, and stops
 * them all on `stop`.
 *
 *   booting → running → stopping → stopped
 *   booting → stopping → failed               (a service failed during boot)
 *
 * Phase k starts (its services are spawned and sent `start`) once every service of the phase
 * before it is up: a permanent service when it reports `service.ready`, a disposable when the
 * supervisor reports `service.done` (its job is finished). Each child's id and systemId is the
 * service id, so `hostActor.system.get(id)` finds it while it lives.
 */
import { type DoneActorEvent, and, assign, enqueueActions, setup } from 'xstate';
import type { Clock } from '../clock.js';
import { Disposal } from '../policy/roles.js';
import { type ServiceMachineInput, type ServiceReport, serviceMachine } from './service-machine.js';

export interface HostServiceInput {
  id: string;
  phase: number;
  disposal: Disposal;
  input: ServiceMachineInput;
}

export interface HostMachineInput {
  services: HostServiceInput[];
  clock: Clock;
}

export type HostEvent =
  | ServiceReport
  /** From the supervisor: a disposable finished its job. */
  | { type: 'service.done'; id: string }
  | { type: 'stop' }
  /** A child reached a final state; the last event it sends. */
  | DoneActorEvent<unknown, string>;

export interface FailedService {
  id: string;
  reason: string;
  at: number;
}

export interface HostContext {
  services: HostServiceInput[];
  /** The phase numbers that have services, ascending. */
  phases: number[];
  /** Index into `phases` of the phase booting now (the last one once booted). */
  phaseIndex: number;
  /** Ids of the services spawned so far, in order. */
  spawned: string[];
  up: string[];
  /** Ids of the services whose actors have ended (destroyed, stopped or failed). */
  ended: string[];
  failedServices: FailedService[];
  /** The service failure that ended the boot. */
  bootFailure: FailedService | undefined;
  startedAt: number;
  bootedAt: number | undefined;
  clock: Clock;
}

type ServiceRef = { id: string };

function servicesOfCurrentPhase(context: HostContext): HostServiceInput[] {
  const phase = context.phases[context.phaseIndex];
  return context.services.filter((service) => service.phase === phase);
}

function disposalOf(context: HostContext, id: string): Disposal | undefined {
  return context.services.find((service) => service.id === id)?.disposal;
}

function withId(ids: string[], id: string): string[] {
  return ids.includes(id) ? ids : [...ids, id];
}

function isLive(context: HostContext, id: string): boolean {
  return !context.ended.includes(id) && !context.failedServices.some((failed) => failed.id === id);
}

export const hostMachine = setup({
  types: {
    input: {} as HostMachineInput,
    context: {} as HostContext,
    events: {} as HostEvent,
  },
  actors: {
    service: serviceMachine,
  },
  guards: {
    currentPhaseUp: ({ context }) => servicesOfCurrentPhase(context).every(({ id }) => context.up.includes(id)),
    isLastPhase: ({ context }) => context.phaseIndex >= context.phases.length - 1,
    isPermanent: ({ context }, { id }: ServiceRef) => disposalOf(context, id) === Disposal.never,
    isDisposable: ({ context }, { id }: ServiceRef) =>
      context.spawned.includes(id) && disposalOf(context, id) !== Disposal.never,
    retiresAfterJob: ({ context }, { id }: ServiceRef) =>
      context.spawned.includes(id) && disposalOf(context, id) === Disposal.afterJob,
    everyServiceEnded: ({ context }) => context.spawned.every((id) => context.ended.includes(id)),
    bootFailed: ({ context }) => context.bootFailure !== undefined,
  },
  actions: {
    startCurrentPhase: enqueueActions(({ context, enqueue }) => {
      const services = servicesOfCurrentPhase(context);
      for (const { id, input } of services) {
        enqueue.spawnChild('service', { id, systemId: id, input });
        enqueue.sendTo(id, { type: 'start' });
      }
      enqueue.assign({ spawned: [...context.spawned, ...services.map(({ id }) => id)] });
    }),
    advancePhase: assign({ phaseIndex: ({ context }) => context.phaseIndex + 1 }),
    markUp: assign(({ context }, { id }: ServiceRef) => ({ up: withId(context.up, id) })),
    markEnded: assign(({ context }, { id }: ServiceRef) => ({ ended: withId(context.ended, id) })),
    recordServiceFailure: assign(({ context }, { id, reason }: ServiceRef & { reason: string }) => ({
      failedServices: [...context.failedServices, { id, reason, at: context.clock.now() }],
    })),
    recordBootFailure: assign(({ context }, { id, reason }: ServiceRef & { reason: string }) => ({
      bootFailure: { id, reason, at: context.clock.now() },
    })),
    retire: enqueueActions(({ enqueue }, { id }: ServiceRef) => enqueue.sendTo(id, { type: 'retire' })),
    retireAfterBootDisposables: enqueueActions(({ context, enqueue }) => {
      for (const { id, disposal } of context.services) {
        if (disposal === Disposal.afterBoot && context.spawned.includes(id) && isLive(context, id)) {
          enqueue.sendTo(id, { type: 'retire' });
        }
      }
    }),
    stopLiveServices: enqueueActions(({ context, enqueue }) => {
      for (const id of context.spawned.filter((id) => isLive(context, id))) enqueue.sendTo(id, { type: 'stop' });
    }),
    markBooted: assign({ bootedAt: ({ context }) => context.clock.now() }),
  },
}).createMachine({
  id: 'host',
  context: ({ input }) => ({
    services: input.services,
    phases: [...new Set(input.services.map(({ phase }) => phase))].sort((a, b) => a - b),
    phaseIndex: 0,
    spawned: [],
    up: [],
    ended: [],
    failedServices: [],
    bootFailure: undefined,
    startedAt: input.clock.now(),
    bootedAt: undefined,
    clock: input.clock,
  }),
  on: {
    'service.ready': {
      guard: { type: 'isPermanent', params: ({ event }) => ({ id: event.id }) },
      actions: { type: 'markUp', params: ({ event }) => ({ id: event.id }) },
    },
    'service.done': [
      {
        guard: { type: 'retiresAfterJob', params: ({ event }) => ({ id: event.id }) },
        actions: [
          { type: 'markUp', params: ({ event }) => ({ id: event.id }) },
          { type: 'retire', params: ({ event }) => ({ id: event.id }) },
        ],
      },
      {
        guard: { type: 'isDisposable', params: ({ event }) => ({ id: event.id }) },
        actions: { type: 'markUp', params: ({ event }) => ({ id: event.id }) },
      },
    ],
    // Once booted, a failed service leaves the host running, degraded.
    'service.failed': {
      actions: { type: 'recordServiceFailure', params: ({ event }) => ({ id: event.id, reason: event.reason }) },
    },
    // A child's last event, after its service.gone or service.failed: counting services as
    // ended only here keeps the host from finishing before its children have.
    'xstate.done.actor.*': { actions: { type: 'markEnded', params: ({ event }) => ({ id: event.actorId }) } },
  },
  initial: 'booting',
  states: {
    booting: {
      entry: 'startCurrentPhase',
      always: [
        { guard: and(['currentPhaseUp', 'isLastPhase']), target: 'running' },
        { guard: 'currentPhaseUp', actions: ['advancePhase', 'startCurrentPhase'] },
      ],
      on: {
        'service.failed': {
          target: 'stopping',
          actions: [
            { type: 'recordServiceFailure', params: ({ event }) => ({ id: event.id, reason: event.reason }) },
            { type: 'recordBootFailure', params: ({ event }) => ({ id: event.id, reason: event.reason }) },
          ],
        },
        stop: { target: 'stopping' },
      },
    },
    running: {
      entry: ['markBooted', 'retireAfterBootDisposables'],
      on: { stop: { target: 'stopping' } },
    },
    // Waits until every service it started has ended.
    stopping: {
      entry: 'stopLiveServices',
      always: [
        { guard: and(['everyServiceEnded', 'bootFailed']), target: 'failed' },
        { guard: 'everyServiceEnded', target: 'stopped' },
      ],
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

import { describe, expect, it } from 'vitest';
import { type AnyEventObject, SimulatedClock, createActor, createMachine } from 'xstate';
import type { RestartBudget, RestartSchedule, Watchdog } from '../policy/types.js';
import { type ServiceMachineInput, serviceMachine } from './service-machine.js';
import { statePath } from './state-path.js';
import { fakeHandle, fakeInstanceActors, settle } from './testing/fake-instance-actors.js';

const watchdog: Watchdog = { heartbeatMs: 200, timeoutMs: 1000, startTimeoutMs: 5000 };
const budget: RestartBudget = { maxRestarts: 3, windowMs: 60_000, backoffInitialMs: 100, backoffMaxMs: 1000 };

function serviceUnderTest(options: { restart?: RestartSchedule; disposable?: boolean; budget?: RestartBudget; makeBeforeBreak?: boolean; exclusive?: boolean } = {}) {
  const clock = new SimulatedClock();
  const fakes = fakeInstanceActors(clock);
  const input: ServiceMachineInput = {
    id: 'blk-shared',
    role: 'block',
    disposable: options.disposable ?? false,
    restart: options.restart ?? { kind: 'onRequest' },
    budget: options.budget ?? budget,
    watchdog,
    clock,
    ...(options.makeBeforeBreak ? { makeBeforeBreak: true } : {}),
    ...(options.exclusive ? { exclusive: true } : {}),
  };
  const actor = createActor(serviceMachine.provide({ actors: fakes.actors }), { clock, input });
  const states: string[] = [];
  actor.subscribe((snapshot) => {
    const path = statePath(snapshot.value);
    if (states.at(-1) !== path) states.push(path);
  });
  actor.start();

  const state = () => statePath(actor.getSnapshot().value);
  const context = () => actor.getSnapshot().context;
  const report = (type: 'instance.booted' | 'instance.initialized' | 'instance.heartbeat', instance: number) =>
    actor.send({ type, instance });
  /** Brings instance `instance` from booting to running, as a healthy one would. */
  const becomeReady = async (instance: number) => {
    report('instance.booted', instance);
    report('instance.initialized', instance);
    await settle();
  };
  const startAndRun = async () => {
    actor.send({ type: 'start' });
    await settle();
    await becomeReady(1);
    expect(state()).toBe('running.watched');
  };
  /** Lets `ms` pass with a heartbeat every 500 ms, as a healthy instance would. */
  const healthyFor = (ms: number) => {
    for (let left = ms; left > 0; left -= 500) {
      clock.increment(Math.min(500, left));
      report('instance.heartbeat', context().instance);
    }
  };
  /** Advances the clock 1 ms at a time until `condition` holds; returns how long that took. */
  const msUntil = async (condition: () => boolean) => {
    const from = clock.now();
    while (!condition()) {
      clock.increment(1);
      await settle();
      if (clock.now() - from > 100_000) throw new Error('condition never held');
    }
    return clock.now() - from;
  };
  const service = { clock, fakes, actor, states, state, context, report, becomeReady, startAndRun, healthyFor, msUntil };
  return service;
}

/** A crash of instance `instance` by exit, at the current clock time; then the destroy settles. */
async function crashByExit(service: ReturnType<typeof serviceUnderTest>, instance: number) {
  service.fakes.exit('blk-shared', instance, { code: 1, signal: null });
  await settle();
}

describe('service machine', () => {
  it('goes defined → creating → booting → initializing → snapshotting → running', async () => {
    const service = serviceUnderTest();
    expect(service.state()).toBe('defined');

    service.actor.send({ type: 'start' });
    expect(service.state()).toBe('creating');
    await settle();
    expect(service.state()).toBe('booting');
    service.report('instance.booted', 1);
    expect(service.state()).toBe('initializing');
    service.report('instance.initialized', 1);
    expect(service.state()).toBe('snapshotting');
    await settle();

    expect(service.states).toEqual(['defined', 'creating', 'booting', 'initializing', 'snapshotting', 'running.watched']);
    expect(service.fakes.callsTo('startInstance').map((call) => call.input)).toEqual([
      { id: 'blk-shared', instance: 1 },
    ]);
    expect(service.fakes.callsTo('takeSnapshot').map((call) => call.input)).toEqual([
      { id: 'blk-shared', handle: service.context().handle },
    ]);
    expect(service.context()).toMatchObject({
      instance: 1,
      handle: { instance: 1, pid: 1001 },
      snapshot: { id: 'blk-shared', digest: 'sha256:blk-shared' },
      runningSince: 0,
      rollbacks: 0,
      crashTimes: [],
      failure: undefined,
    });
    expect(service.fakes.isWatched('blk-shared', 1)).toBe(true);
  });

  it('runs without a parent: its reports to a parent are skipped, not an error', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    service.actor.send({ type: 'stop' });
    await settle();
    expect(service.actor.getSnapshot().status).toBe('done');
    expect(service.state()).toBe('stopped');
  });

  it('reports ready, then gone, to its parent', async () => {
    const clock = new SimulatedClock();
    const fakes = fakeInstanceActors(clock);
    const reports: AnyEventObject[] = [];
    const parent = createMachine({
      invoke: {
        id: 'child',
        src: serviceMachine.provide({ actors: fakes.actors }),
        input: {
          id: 'net-a',
          role: 'network',
          disposable: false,
          restart: { kind: 'never' },
          budget,
          watchdog,
          clock,
        } satisfies ServiceMachineInput,
      },
      on: { '*': { actions: ({ event }) => reports.push(event) } },
    });
    const actor = createActor(parent, { clock }).start();
    const child = actor.getSnapshot().children['child'];
    child?.send({ type: 'start' });
    await settle();
    child?.send({ type: 'instance.booted', instance: 1 });
    child?.send({ type: 'instance.initialized', instance: 1 });
    await settle();
    child?.send({ type: 'stop' });
    await settle();

    expect(reports.map((event) => event.type)).toEqual(['service.ready', 'service.gone', 'xstate.done.actor.child']);
    expect(reports[0]).toEqual({ type: 'service.ready', id: 'net-a' });
  });

  it('fires the watchdog exactly timeoutMs after the last heartbeat', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();

    service.clock.increment(400);
    service.report('instance.heartbeat', 1);
    service.clock.increment(400);
    service.report('instance.heartbeat', 1);
    service.clock.increment(999);
    expect(service.state()).toBe('running.watched');

    service.clock.increment(1);
    expect(service.state()).toBe('crashed.destroying');
    expect(service.context().lastCrash).toEqual({ cause: 'watchdog', at: 1800 });
    await settle();
    // The hung instance is still alive: it is killed before anything replaces it.
    expect(service.fakes.callsTo('destroyInstance').map((call) => [call.input, call.at])).toEqual([
      [{ id: 'blk-shared', handle: expect.objectContaining({ instance: 1 }) }, 1800],
    ]);
  });

  it('when its timer fires late, the supervisor having stalled, reads the heartbeats that came meanwhile before it judges', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    // Stalled for 5 s: the timer due at 1000 fires only now, before the heartbeats waiting behind it.
    service.clock.increment(5_000);
    expect(service.state()).toBe('running.overdue');
    service.report('instance.heartbeat', 1);
    expect(service.state()).toBe('running.watched');
    expect(service.context().lastCrash).toBeUndefined();

    // Stalled again, and nothing comes within a heartbeat period once it runs: hung after all.
    service.clock.increment(5_000);
    expect(service.state()).toBe('running.overdue');
    service.clock.increment(watchdog.heartbeatMs - 1);
    expect(service.state()).toBe('running.overdue');
    service.clock.increment(1);
    expect(service.context().lastCrash).toEqual({ cause: 'watchdog', at: 10_000 + watchdog.heartbeatMs });
  });

  it('ignores heartbeats from an old instance', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    service.clock.increment(900);
    service.report('instance.heartbeat', 0);
    service.clock.increment(100);
    expect(service.context().lastCrash).toMatchObject({ cause: 'watchdog', at: 1000 });
  });

  it('rolls back on the timer exactly periodMs after entering running, heartbeats notwithstanding', async () => {
    const service = serviceUnderTest({ restart: { kind: 'every', periodMs: 2500 } });
    await service.startAndRun();

    for (let t = 0; t < 2400; t += 400) {
      service.clock.increment(400);
      service.report('instance.heartbeat', 1);
    }
    expect(service.clock.now()).toBe(2400);
    service.clock.increment(99);
    expect(service.state()).toBe('running.watched');
    service.clock.increment(1);
    expect(service.state()).toBe('rollingBack.destroying');
    expect(service.context().rollbackInProgress).toEqual({ at: 2500, cause: 'timer' });
  });

  it('takes a new schedule while running: the new period counts from the reschedule, and never stops the timer', async () => {
    const service = serviceUnderTest({ restart: { kind: 'every', periodMs: 2500 } });
    await service.startAndRun();
    service.healthyFor(2000);
    service.actor.send({ type: 'reschedule', restart: { kind: 'every', periodMs: 1000 } });
    expect(service.state()).toBe('running.watched');
    service.healthyFor(500);
    service.clock.increment(499);
    expect(service.state()).toBe('running.watched');
    service.clock.increment(1);
    expect(service.state()).toBe('rollingBack.destroying');
    expect(service.context().rollbackInProgress).toEqual({ at: 3000, cause: 'timer' });

    const never = serviceUnderTest({ restart: { kind: 'every', periodMs: 2500 } });
    await never.startAndRun();
    never.actor.send({ type: 'reschedule', restart: { kind: 'never' } });
    never.healthyFor(10_000);
    expect(never.state()).toBe('running.watched');
    expect(never.context().instance).toBe(1);
  });

  it('keeps a new schedule given before it runs', async () => {
    const service = serviceUnderTest({ restart: { kind: 'never' } });
    service.actor.send({ type: 'reschedule', restart: { kind: 'every', periodMs: 700 } });
    await service.startAndRun();
    service.healthyFor(500);
    service.clock.increment(199);
    expect(service.state()).toBe('running.watched');
    service.clock.increment(1);
    expect(service.state()).toBe('rollingBack.destroying');
  });

  it('rolls back: destroys the old instance, restores instance+1 from the snapshot, records the duration', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    const snapshot = service.context().snapshot;
    service.clock.increment(900);

    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    expect(service.state()).toBe('rollingBack.booting');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input)).toEqual([
      { id: 'blk-shared', handle: expect.objectContaining({ instance: 1 }) },
    ]);
    expect(service.fakes.callsTo('restoreInstance').map((call) => call.input)).toEqual([
      { id: 'blk-shared', snapshot, instance: 2 },
    ]);
    expect(service.fakes.isWatched('blk-shared', 1)).toBe(false);
    expect(service.fakes.isWatched('blk-shared', 2)).toBe(true);

    service.clock.increment(7);
    service.report('instance.booted', 2);
    service.clock.increment(5);
    service.report('instance.initialized', 2);

    expect(service.state()).toBe('running.watched');
    expect(service.context()).toMatchObject({
      instance: 2,
      handle: { instance: 2, pid: 1002 },
      rollbacks: 1,
      lastRollback: { at: 900, cause: 'operator', durationMs: 12 },
      runningSince: 912,
    });
    expect(service.fakes.callsTo('takeSnapshot')).toHaveLength(1);
    expect(service.fakes.callsTo('startInstance')).toHaveLength(1);
  });

  it('ignores readiness reports from the instance it replaced', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    service.actor.send({ type: 'rollback', cause: 'request' });
    await settle();

    service.report('instance.booted', 1);
    expect(service.state()).toBe('rollingBack.booting');
    service.report('instance.booted', 2);
    service.report('instance.initialized', 1);
    expect(service.state()).toBe('rollingBack.initializing');
    service.report('instance.initialized', 2);
    expect(service.state()).toBe('running.watched');

    service.actor.send({ type: 'instance.exited', instance: 1, code: 0, signal: null });
    expect(service.state()).toBe('running.watched');
    expect(service.context().crashTimes).toEqual([]);
  });

  it('after an exit while running: crashed, destroyed, backs off exactly, then rolls back to a new instance', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    service.healthyFor(3000);

    await crashByExit(service, 1);
    expect(service.state()).toBe('crashed.backingOff');
    expect(service.context()).toMatchObject({
      lastCrash: { cause: 'exited', code: 1, signal: null, at: 3000 },
      crashTimes: [3000],
      handle: undefined,
    });
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.at)).toEqual([3000]);

    service.clock.increment(99);
    expect(service.state()).toBe('crashed.backingOff');
    service.clock.increment(1);
    await settle();
    expect(service.fakes.callsTo('restoreInstance').map((call) => [call.input.instance, call.at])).toEqual([
      [2, 3100],
    ]);
    expect(service.state()).toBe('rollingBack.booting');

    await service.becomeReady(2);
    expect(service.context().lastRollback).toEqual({ at: 3100, cause: 'crash', durationMs: 0 });
    expect(service.context().instance).toBe(2);
  });

  it('doubles the backoff with each crash in the window, up to backoffMaxMs', async () => {
    const service = serviceUnderTest({
      budget: { maxRestarts: 10, windowMs: 60_000, backoffInitialMs: 100, backoffMaxMs: 300 },
    });
    await service.startAndRun();
    const backoffs: number[] = [];
    for (let instance = 1; instance <= 4; instance++) {
      await crashByExit(service, instance);
      backoffs.push(await service.msUntil(() => service.fakes.callsTo('restoreInstance').length === instance));
      await service.becomeReady(instance + 1);
    }
    expect(backoffs).toEqual([100, 200, 300, 300]);
  });

  it('fails after more than maxRestarts crashes in the window, with the reason, and leaves no instance', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();

    for (let instance = 1; instance <= 3; instance++) {
      await crashByExit(service, instance);
      service.clock.increment(1000);
      await settle();
      await service.becomeReady(instance + 1);
    }
    expect(service.context().crashTimes).toEqual([0, 1000, 2000]);

    service.fakes.exit('blk-shared', 4, { code: 1, signal: null, detail: 'service VM failed: cannot open /dev/xvda' });
    await settle();
    expect(service.state()).toBe('failed');
    expect(service.context().failure).toBe('crashed 4 times within 60000 ms (last: exited with code 1: service VM failed: cannot open /dev/xvda)');
    expect(service.context().handle).toBeUndefined();
    expect(service.fakes.callsTo('destroyInstance').at(-1)?.input).toMatchObject({ handle: { instance: 4 } });
    expect(service.actor.getSnapshot().status).toBe('done');
  });

  it('forgets crashes older than the window', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();

    for (let instance = 1; instance <= 6; instance++) {
      await crashByExit(service, instance);
      service.clock.increment(30_000);
      await settle();
      await service.becomeReady(instance + 1);
    }
    expect(service.state()).toBe('running.watched');
    expect(service.context().crashTimes).toEqual([120_000, 150_000]);
    expect(service.context().rollbacks).toBe(6);
  });

  it('starts over with a new instance when it crashes before it has a snapshot', async () => {
    const service = serviceUnderTest();
    service.actor.send({ type: 'start' });
    await settle();
    service.report('instance.booted', 1);
    await crashByExit(service, 1);
    service.clock.increment(100);
    await settle();

    expect(service.state()).toBe('booting');
    expect(service.fakes.callsTo('startInstance').map((call) => [call.input.instance, call.at])).toEqual([
      [1, 0],
      [2, 100],
    ]);
    expect(service.fakes.callsTo('restoreInstance')).toHaveLength(0);
  });

  it('crashes when not initialized within startTimeoutMs of starting', async () => {
    const service = serviceUnderTest();
    service.actor.send({ type: 'start' });
    await settle();
    service.clock.increment(3000);
    service.report('instance.booted', 1);
    service.clock.increment(1999);
    expect(service.state()).toBe('initializing');

    service.clock.increment(1);
    expect(service.context().lastCrash).toEqual({ cause: 'start-timeout', at: 5000 });
    await settle();
    expect(service.state()).toBe('crashed.backingOff');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.at)).toEqual([5000]);
  });

  it('fails at once when startInstance rejects', async () => {
    const service = serviceUnderTest();
    service.fakes.behaviour.startInstance = () => Promise.reject(new Error('spawn /opt/xoar/block ENOENT'));
    service.actor.send({ type: 'start' });
    await settle();

    expect(service.state()).toBe('failed');
    expect(service.context().failure).toBe('start failed: spawn /opt/xoar/block ENOENT');
    expect(service.fakes.callsTo('startInstance')).toHaveLength(1);
  });

  it('fails loudly when the supervisor forgot to provide an actor', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(serviceMachine, {
      clock,
      input: { id: 'x', role: 'block', disposable: false, restart: { kind: 'never' }, budget, watchdog, clock },
    }).start();
    actor.send({ type: 'start' });
    await settle();
    expect(actor.getSnapshot().context.failure).toBe('start failed: startInstance not provided');
  });

  it('destroys the live instance when the snapshot fails, then fails', async () => {
    const service = serviceUnderTest();
    service.fakes.behaviour.takeSnapshot = () => Promise.reject(new Error('disk full'));
    service.actor.send({ type: 'start' });
    await settle();
    await service.becomeReady(1);
    await settle();

    expect(service.states.slice(-2)).toEqual(['failing', 'failed']);
    expect(service.context().failure).toBe('snapshot failed: disk full');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input)).toMatchObject([
      { handle: { instance: 1 } },
    ]);
  });

  it('stops from running: destroys the instance, then stopped', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    service.actor.send({ type: 'stop' });
    expect(service.state()).toBe('stopping');
    await settle();

    expect(service.state()).toBe('stopped');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input)).toMatchObject([
      { handle: { instance: 1 } },
    ]);
    expect(service.context().handle).toBeUndefined();
  });

  it('stops while backing off after a crash without destroying anything more', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    await crashByExit(service, 1);
    service.actor.send({ type: 'stop' });

    expect(service.state()).toBe('stopped');
    expect(service.fakes.callsTo('destroyInstance')).toHaveLength(1);
  });

  it('stops during a start only once the instance exists, and destroys it', async () => {
    const service = serviceUnderTest();
    let finishStart: () => void = () => {};
    service.fakes.behaviour.startInstance = (input) =>
      new Promise((resolve) => {
        finishStart = () => resolve(fakeHandle(input.id, input.instance));
      });
    service.actor.send({ type: 'start' });
    service.actor.send({ type: 'stop' });
    await settle();
    expect(service.state()).toBe('creating');

    finishStart();
    await settle();
    expect(service.state()).toBe('stopped');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input)).toMatchObject([
      { handle: { instance: 1 } },
    ]);
  });

  it('stops during a rollback', async () => {
    const service = serviceUnderTest();
    await service.startAndRun();
    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    service.actor.send({ type: 'stop' });
    await settle();

    expect(service.state()).toBe('stopped');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input)).toMatchObject([
      { handle: { instance: 1 } },
      { handle: { instance: 2 } },
    ]);
  });

  it('retires a disposable: destroys its instance, then destroyed', async () => {
    const service = serviceUnderTest({ disposable: true, restart: { kind: 'never' } });
    await service.startAndRun();
    service.actor.send({ type: 'retire' });
    expect(service.state()).toBe('retiring');
    await settle();

    expect(service.state()).toBe('destroyed');
    expect(service.actor.getSnapshot().status).toBe('done');
    expect(service.fakes.callsTo('destroyInstance')).toHaveLength(1);
  });

  it('retires a disposable told to retire while its snapshot is being taken', async () => {
    const service = serviceUnderTest({ disposable: true, restart: { kind: 'never' } });
    service.actor.send({ type: 'start' });
    await settle();
    service.report('instance.booted', 1);
    service.report('instance.initialized', 1);
    expect(service.state()).toBe('snapshotting');
    service.actor.send({ type: 'retire' });
    await settle();

    expect(service.states).toEqual(['defined', 'creating', 'booting', 'initializing', 'snapshotting', 'retiring', 'destroyed']);
    expect(service.fakes.callsTo('destroyInstance')).toHaveLength(1);
  });

  it('does not retire a permanent service', async () => {
    const service = serviceUnderTest({ disposable: false });
    await service.startAndRun();
    service.actor.send({ type: 'retire' });
    expect(service.state()).toBe('running.watched');
  });
});

describe('service machine, make before break', () => {
  const mbb = () => serviceUnderTest({ makeBeforeBreak: true });

  it('activates a warm standby, drains the old instance, destroys it, and records the duration', async () => {
    const service = mbb();
    await service.startAndRun();
    const snapshot = service.context().snapshot;
    service.clock.increment(900);

    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    expect(service.state()).toBe('rollingBack.activating');
    expect(service.fakes.callsTo('takeStandby').map((call) => call.input)).toEqual([{ id: 'blk-shared', snapshot }]);
    expect(service.fakes.callsTo('activateInstance').map((call) => call.input)).toEqual([{ id: 'blk-shared', handle: expect.objectContaining({ instance: 101 }) }]);
    // Nothing of the old instance is touched before the standby serves.
    expect(service.fakes.callsTo('destroyInstance')).toEqual([]);
    expect(service.fakes.callsTo('drainInstance')).toEqual([]);
    expect(service.context().instance).toBe(1);

    service.clock.increment(1);
    service.report('instance.heartbeat', 101);
    service.actor.send({ type: 'instance.activated', instance: 101 });
    await settle();
    expect(service.state()).toBe('rollingBack.draining');
    expect(service.fakes.callsTo('drainInstance').map((call) => call.input)).toEqual([{ id: 'blk-shared', handle: expect.objectContaining({ instance: 1 }) }]);

    service.clock.increment(1);
    service.actor.send({ type: 'instance.drained', instance: 1 });
    await settle();
    expect(service.state()).toBe('running.watched');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input.handle.instance)).toEqual([1]);
    expect(service.context()).toMatchObject({
      instance: 101,
      handle: { instance: 101 },
      incoming: undefined,
      rollbacks: 1,
      lastRollback: { at: 900, cause: 'operator', durationMs: 2 },
    });
    expect(service.fakes.isWatched('blk-shared', 101)).toBe(true);
    expect(service.fakes.callsTo('restoreInstance')).toEqual([]);
  });

  it('exclusive: drains and destroys the old instance before it activates the warm standby', async () => {
    const service = serviceUnderTest({ makeBeforeBreak: true, exclusive: true });
    await service.startAndRun();
    service.clock.increment(500);
    service.actor.send({ type: 'rollback', cause: 'timer' as never });
    await settle();
    expect(service.state()).toBe('rollingBack.handingOver');
    expect(service.fakes.callsTo('drainInstance').map((call) => call.input.handle.instance)).toEqual([1]);
    expect(service.fakes.callsTo('activateInstance')).toEqual([]);

    service.clock.increment(1);
    service.actor.send({ type: 'instance.drained', instance: 1 });
    await settle();
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input.handle.instance)).toEqual([1]);
    expect(service.state()).toBe('rollingBack.activating');
    expect(service.fakes.callsTo('activateInstance').map((call) => call.input.handle.instance)).toEqual([101]);

    service.clock.increment(1);
    service.actor.send({ type: 'instance.activated', instance: 101 });
    await settle();
    expect(service.state()).toBe('running.watched');
    expect(service.context()).toMatchObject({ instance: 101, incoming: undefined, rollbacks: 1, lastRollback: { at: 500, cause: 'timer', durationMs: 2 } });
    expect(service.states).toEqual(expect.arrayContaining(['rollingBack.handingOver', 'rollingBack.retiringFirst', 'rollingBack.activating']));
  });

  it('ignores an activation from any instance but the standby, and a drain from any but the old one', async () => {
    const service = mbb();
    await service.startAndRun();
    service.actor.send({ type: 'rollback', cause: 'timer' as never });
    await settle();
    service.actor.send({ type: 'instance.activated', instance: 1 });
    expect(service.state()).toBe('rollingBack.activating');
    service.actor.send({ type: 'instance.activated', instance: 101 });
    await settle();
    service.actor.send({ type: 'instance.drained', instance: 101 });
    expect(service.state()).toBe('rollingBack.draining');
  });

  it('destroys an old instance that does not drain within the deadline (timeoutMs)', async () => {
    const service = mbb();
    await service.startAndRun();
    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    service.actor.send({ type: 'instance.activated', instance: 101 });
    await settle();
    const waited = await service.msUntil(() => service.state() === 'running.watched');
    expect(waited).toBe(watchdog.timeoutMs);
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input.handle.instance)).toEqual([1]);
    expect(service.context().instance).toBe(101);
  });

  it('keeps the old instance serving when the standby does not activate in time, and counts it as a crash', async () => {
    const service = mbb();
    await service.startAndRun();
    service.healthyFor(1000);
    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    const waited = await service.msUntil(() => service.state() === 'running.watched');
    expect(waited).toBe(watchdog.timeoutMs);
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input.handle.instance)).toEqual([101]);
    expect(service.fakes.callsTo('drainInstance')).toEqual([]);
    expect(service.context()).toMatchObject({ instance: 1, incoming: undefined, rollbacks: 0, crashTimes: [2000], lastCrash: { cause: 'start-timeout', at: 2000 } });
  });

  it('keeps the old instance serving when the standby exits before it is active', async () => {
    const service = mbb();
    await service.startAndRun();
    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    service.fakes.exit('blk-shared', 101, { code: 1, signal: null });
    await settle();
    expect(service.state()).toBe('running.watched');
    expect(service.context()).toMatchObject({ instance: 1, lastCrash: { cause: 'exited', code: 1 } });
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input.handle.instance)).toEqual([101]);
  });

  it('after a crash: backs off, then a standby takes over without a drain', async () => {
    const service = mbb();
    await service.startAndRun();
    await crashByExit(service, 1);
    expect(service.state()).toBe('crashed.backingOff');
    await service.msUntil(() => service.state() === 'rollingBack.activating');
    service.actor.send({ type: 'instance.activated', instance: 101 });
    await settle();
    expect(service.state()).toBe('running.watched');
    expect(service.fakes.callsTo('drainInstance')).toEqual([]);
    expect(service.context()).toMatchObject({ instance: 101, rollbacks: 1, lastRollback: { cause: 'crash' } });
  });

  it('replaces the old way when no standby can be had', async () => {
    const service = mbb();
    service.fakes.behaviour.takeStandby = async () => {
      throw new Error('no standby');
    };
    await service.startAndRun();
    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    expect(service.state()).toBe('rollingBack.booting');
    await service.becomeReady(2);
    expect(service.state()).toBe('running.watched');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input.handle.instance)).toEqual([1]);
    expect(service.context()).toMatchObject({ instance: 2, rollbacks: 1 });
  });

  it('stops in the middle of a switch: destroys the standby and the old instance', async () => {
    const service = mbb();
    await service.startAndRun();
    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    service.actor.send({ type: 'instance.activated', instance: 101 });
    await settle();
    service.actor.send({ type: 'stop' });
    await settle();
    await settle();
    expect(service.state()).toBe('stopped');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input.handle.instance)).toEqual([101, 1]);
  });

  it('stops while the standby is being taken: gives the take up and destroys the old instance', async () => {
    const service = mbb();
    let signalled = false;
    // A take that never delivers; the machine must not wait for it.
    service.fakes.behaviour.takeStandby = () => new Promise(() => {});
    await service.startAndRun();
    service.actor.send({ type: 'rollback', cause: 'operator' });
    await settle();
    expect(service.state()).toBe('rollingBack.takingStandby');
    service.actor.send({ type: 'stop' });
    await settle();
    signalled = Object.keys(service.actor.getSnapshot().children).length === 0;
    expect(signalled).toBe(true);
    expect(service.state()).toBe('stopped');
    expect(service.fakes.callsTo('destroyInstance').map((call) => call.input.handle.instance)).toEqual([1]);
  });

  it('rolls back (cause request) when the current instance reports itself drained: a one-shot instance was spent', async () => {
    const service = mbb();
    await service.startAndRun();
    service.actor.send({ type: 'instance.drained', instance: 7 });
    expect(service.state()).toBe('running.watched');
    service.clock.increment(3);
    service.actor.send({ type: 'instance.drained', instance: 1 });
    await settle();
    expect(service.state()).toBe('rollingBack.activating');
    service.actor.send({ type: 'instance.activated', instance: 101 });
    await settle();
    // Told to drain again; it reports drained again (it repeats it with every heartbeat).
    expect(service.fakes.callsTo('drainInstance').map((call) => call.input.handle.instance)).toEqual([1]);
    service.actor.send({ type: 'instance.drained', instance: 1 });
    await settle();
    expect(service.state()).toBe('running.watched');
    expect(service.context()).toMatchObject({ instance: 101, rollbacks: 1, lastRollback: { at: 3, cause: 'request', durationMs: 0 } });
  });

  it('retakes its snapshot on request while the instance serves', async () => {
    const service = mbb();
    await service.startAndRun();
    service.clock.increment(50);
    service.actor.send({ type: 'snapshot' });
    expect(service.state()).toBe('resnapshotting');
    await settle();
    expect(service.state()).toBe('running.watched');
    expect(service.fakes.callsTo('takeSnapshot').map((call) => call.at)).toEqual([0, 50]);
    expect(service.context().snapshot?.takenAt).toBe(50);
  });

  it('keeps the snapshot it had when a retake fails', async () => {
    const service = mbb();
    await service.startAndRun();
    const before = service.context().snapshot;
    service.fakes.behaviour.takeSnapshot = async () => {
      throw new Error('disk full');
    };
    service.actor.send({ type: 'snapshot' });
    await settle();
    expect(service.state()).toBe('running.watched');
    expect(service.context().snapshot).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor } from 'xstate';
import type { RestartBudget, Watchdog } from '../policy/types.js';
import type { Disposal } from '../policy/roles.js';
import { type HostServiceInput, hostMachine } from './host-machine.js';
import { serviceMachine } from './service-machine.js';
import { statePath } from './state-path.js';
import { fakeInstanceActors, settle } from './testing/fake-instance-actors.js';

const watchdog: Watchdog = { heartbeatMs: 200, timeoutMs: 1000, startTimeoutMs: 5000 };
const budget: RestartBudget = { maxRestarts: 3, windowMs: 60_000, backoffInitialMs: 100, backoffMaxMs: 1000 };

type ServiceSpec = [id: string, phase: number, disposal: Disposal, budget?: RestartBudget];

/** The boot order of a small host; phase 2 has no services. */
const platform: ServiceSpec[] = [
  ['boot', 0, 'afterBoot'],
  ['xenstore-state', 0, 'never'],
  ['pci-config', 1, 'afterJob'],
  ['xenstore-logic', 1, 'never'],
  ['builder', 3, 'never'],
  ['toolstack', 3, 'never'],
];

function hostUnderTest(specs: ServiceSpec[] = platform) {
  const clock = new SimulatedClock();
  const fakes = fakeInstanceActors(clock);
  const services: HostServiceInput[] = specs.map(([id, phase, disposal, serviceBudget]) => ({
    id,
    phase,
    disposal,
    input: {
      id,
      role: id,
      disposable: disposal !== 'never',
      restart: { kind: 'onRequest' },
      budget: serviceBudget ?? budget,
      watchdog,
      clock,
    },
  }));
  const machine = hostMachine.provide({
    actors: { service: serviceMachine.provide({ actors: fakes.actors }) },
  });
  const host = createActor(machine, { clock, input: { services, clock } }).start();

  const context = () => host.getSnapshot().context;
  const state = () => statePath(host.getSnapshot().value);
  /** The state of service `id`'s actor, while the host holds it. */
  const serviceState = (id: string) => {
    const child = host.getSnapshot().children[id];
    return child === undefined ? undefined : statePath(child.getSnapshot().value);
  };
  const started = () => fakes.callsTo('startInstance').map((call) => call.input.id);
  /** What the supervisor does when instance 1 of `id` reports it booted and initialized. */
  const bringUp = async (...ids: string[]) => {
    for (const id of ids) {
      const service = host.system.get(id);
      if (service === undefined) throw new Error(`${id} is not running`);
      service.send({ type: 'instance.booted', instance: 1 });
      service.send({ type: 'instance.initialized', instance: 1 });
    }
    await settle();
  };
  const done = async (id: string) => {
    host.send({ type: 'service.done', id });
    await settle();
  };
  const bootAll = async () => {
    await settle();
    await bringUp('boot', 'xenstore-state');
    await done('boot');
    await settle();
    await bringUp('pci-config', 'xenstore-logic');
    await done('pci-config');
    await settle();
    await bringUp('builder', 'toolstack');
    expect(state()).toBe('running');
  };
  return { clock, fakes, host, context, state, serviceState, started, bringUp, done, bootAll };
}

describe('host machine', () => {
  it('starts each phase only once every service of the phase before is up', async () => {
    const host = hostUnderTest();
    await settle();
    expect(host.started()).toEqual(['boot', 'xenstore-state']);

    await host.bringUp('xenstore-state');
    await host.bringUp('boot');
    expect(host.serviceState('boot')).toBe('running.watched');
    // boot is disposable: running is not enough, its job must be done.
    expect(host.started()).toEqual(['boot', 'xenstore-state']);

    await host.done('boot');
    await settle();
    expect(host.started()).toEqual(['boot', 'xenstore-state', 'pci-config', 'xenstore-logic']);
    expect(host.context()).toMatchObject({ phases: [0, 1, 3], phaseIndex: 1 });

    await host.bringUp('xenstore-logic');
    expect(host.started()).toHaveLength(4);
    await host.bringUp('pci-config');
    expect(host.started()).toHaveLength(4);
    await host.done('pci-config');
    await settle();
    expect(host.started().slice(4)).toEqual(['builder', 'toolstack']);
    expect(host.context().phaseIndex).toBe(2);

    await host.bringUp('builder');
    expect(host.state()).toBe('booting');
    host.clock.increment(250);
    await host.bringUp('toolstack');
    expect(host.state()).toBe('running');
    expect(host.context()).toMatchObject({ startedAt: 0, bootedAt: 250, failedServices: [] });
  });

  it('retires an afterJob disposable as soon as its job is done', async () => {
    const host = hostUnderTest();
    await host.bootAll();
    const destroyed = host.fakes.callsTo('destroyInstance').map((call) => [call.input.id, call.at]);

    expect(destroyed).toContainEqual(['pci-config', 0]);
    expect(host.serviceState('pci-config')).toBe('destroyed');
    expect(host.context().ended).toContain('pci-config');
  });

  it('retires afterBoot disposables once the host is running, not before', async () => {
    const host = hostUnderTest();
    await settle();
    await host.bringUp('boot', 'xenstore-state');
    await host.done('boot');
    await host.bringUp('pci-config', 'xenstore-logic');
    await host.done('pci-config');
    await host.bringUp('builder');
    expect(host.serviceState('boot')).toBe('running.watched');

    await host.bringUp('toolstack');
    expect(host.state()).toBe('running');
    expect(host.serviceState('boot')).toBe('destroyed');
    expect(host.context().ended).toEqual(['pci-config', 'boot']);
    expect(host.host.system.get('boot')).toBeUndefined();
    expect(host.host.system.get('toolstack')).toBeDefined();
  });

  it('fails the boot when a service fails, after stopping every other service', async () => {
    const host = hostUnderTest();
    host.fakes.behaviour.startInstance = async (input) => {
      if (input.id === 'xenstore-logic') throw new Error('spawn xenstore-logic ENOENT');
      return { id: input.id, instance: input.instance, pid: 42, exited: new Promise(() => {}) };
    };
    await settle();
    await host.bringUp('boot', 'xenstore-state');
    await host.done('boot');
    await settle();

    expect(host.state()).toBe('failed');
    expect(host.host.getSnapshot().status).toBe('done');
    expect(host.context().bootFailure).toEqual({
      id: 'xenstore-logic',
      reason: 'start failed: spawn xenstore-logic ENOENT',
      at: 0,
    });
    expect(host.serviceState('xenstore-logic')).toBe('failed');
    for (const id of ['boot', 'xenstore-state', 'pci-config']) expect(host.serviceState(id)).toBe('stopped');
    expect(host.fakes.callsTo('destroyInstance').map((call) => call.input.id).sort()).toEqual([
      'boot',
      'pci-config',
      'xenstore-state',
    ]);
    expect(host.started()).not.toContain('builder');
  });

  it('keeps running, degraded, when a service fails after boot', async () => {
    const host = hostUnderTest(
      platform.map(([id, phase, disposal]) =>
        id === 'toolstack' ? [id, phase, disposal, { ...budget, maxRestarts: 0 }] : [id, phase, disposal],
      ),
    );
    await host.bootAll();
    host.clock.increment(500);
    host.fakes.exit('toolstack', 1, { code: null, signal: 'SIGSEGV' });
    await settle();

    expect(host.state()).toBe('running');
    expect(host.serviceState('toolstack')).toBe('failed');
    expect(host.context().failedServices).toEqual([
      { id: 'toolstack', reason: 'crashed 1 times within 60000 ms (last: killed by signal SIGSEGV)', at: 500 },
    ]);
    expect(host.context().bootFailure).toBeUndefined();
  });

  it('stops every live service on stop, and is stopped once all are gone', async () => {
    const host = hostUnderTest();
    await host.bootAll();
    const destroyedBeforeStop = host.fakes.callsTo('destroyInstance').map((call) => call.input.id);
    expect(destroyedBeforeStop.sort()).toEqual(['boot', 'pci-config']);

    host.host.send({ type: 'stop' });
    expect(host.state()).toBe('stopping');
    await settle();

    expect(host.state()).toBe('stopped');
    expect(host.host.getSnapshot().status).toBe('done');
    for (const id of ['xenstore-state', 'xenstore-logic', 'builder', 'toolstack']) {
      expect(host.serviceState(id)).toBe('stopped');
    }
    expect(host.fakes.callsTo('destroyInstance').map((call) => call.input.id).slice(2).sort()).toEqual([
      'builder',
      'toolstack',
      'xenstore-logic',
      'xenstore-state',
    ]);
  });

  it('stops services that are still starting', async () => {
    const host = hostUnderTest();
    await settle();
    host.host.send({ type: 'stop' });
    await settle();

    expect(host.state()).toBe('stopped');
    expect(host.serviceState('boot')).toBe('stopped');
    expect(host.serviceState('xenstore-state')).toBe('stopped');
  });

  it('runs at once with no services', async () => {
    const host = hostUnderTest([]);
    expect(host.state()).toBe('running');
  });
});

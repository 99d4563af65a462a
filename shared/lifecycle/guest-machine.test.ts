import { describe, expect, it } from 'vitest';
import { type AnyEventObject, SimulatedClock, createActor, createMachine, fromPromise } from 'xstate';
import type { InstanceHandle } from '../drivers/driver.js';
import type { Watchdog } from '../policy/types.js';
import { type GuestMachineInput, type StartGuestInput, guestMachine } from './guest-machine.js';
import { statePath } from './state-path.js';
import { fakeHandle, fakeInstanceActors, settle } from './testing/fake-instance-actors.js';

const watchdog: Watchdog = { heartbeatMs: 200, timeoutMs: 1000, startTimeoutMs: 5000 };
const GUEST = 'web-1';

function guestUnderTest(options: { start?: (input: StartGuestInput) => Promise<InstanceHandle> } = {}) {
  const clock = new SimulatedClock();
  const fakes = fakeInstanceActors(clock);
  const starts: { input: StartGuestInput; at: number }[] = [];
  const startGuest = fromPromise<InstanceHandle, StartGuestInput>(({ input }) => {
    starts.push({ input, at: clock.now() });
    return options.start?.(input) ?? Promise.resolve(fakeHandle(input.id, 1));
  });
  const input: GuestMachineInput = { id: GUEST, domid: 7, watchdog, clock };
  const actor = createActor(guestMachine.provide({ actors: { startGuest, destroyGuest: fakes.actors.destroyInstance, watchInstance: fakes.actors.watchInstance } }), { clock, input });
  const states: string[] = [];
  actor.subscribe((snapshot) => {
    const path = statePath(snapshot.value);
    if (states.at(-1) !== path) states.push(path);
  });
  actor.start();
  const state = () => statePath(actor.getSnapshot().value);
  const context = () => actor.getSnapshot().context;
  const destroys = () => fakes.callsTo('destroyInstance').map((call) => call.at);
  const boot = async () => {
    actor.send({ type: 'create' });
    await settle();
    actor.send({ type: 'guest.booted' });
    expect(state()).toBe('running.watched');
  };
  return { clock, fakes, actor, states, state, context, starts, destroys, boot };
}

describe('guest machine', () => {
  it('goes defined → creating → booting → running, starting the guest with its domain id', async () => {
    const guest = guestUnderTest();
    guest.clock.increment(50);
    guest.actor.send({ type: 'create' });
    expect(guest.state()).toBe('creating');
    await settle();
    expect(guest.state()).toBe('booting');
    guest.clock.increment(300);
    guest.actor.send({ type: 'guest.booted' });

    expect(guest.states).toEqual(['defined', 'creating', 'booting', 'running.watched']);
    expect(guest.starts).toEqual([{ input: { id: GUEST, domid: 7 }, at: 50 }]);
    expect(guest.context()).toMatchObject({ handle: { id: GUEST, instance: 1 }, startedAt: 50, runningSince: 350, crash: undefined });
    expect(guest.fakes.isWatched(GUEST, 1)).toBe(true);
  });

  it('destroys on request: destroying → destroyed, the process gone', async () => {
    const guest = guestUnderTest();
    await guest.boot();
    guest.clock.increment(900);
    guest.actor.send({ type: 'guest.heartbeat' });
    guest.clock.increment(900);
    guest.actor.send({ type: 'guest.heartbeat' });
    guest.actor.send({ type: 'destroy' });
    expect(guest.state()).toBe('destroying');
    await settle();
    expect(guest.state()).toBe('destroyed');
    expect(guest.actor.getSnapshot().status).toBe('done');
    expect(guest.destroys()).toEqual([1800]);
    expect(guest.context()).toMatchObject({ handle: undefined, crash: undefined, failure: undefined });
  });

  it('fires the watchdog exactly timeoutMs after the last heartbeat, then destroys what is left of the guest', async () => {
    const guest = guestUnderTest();
    await guest.boot();
    guest.clock.increment(700);
    guest.actor.send({ type: 'guest.heartbeat' });
    guest.clock.increment(999);
    expect(guest.state()).toBe('running.watched');

    guest.clock.increment(1);
    expect(guest.state()).toBe('crashed');
    expect(guest.context().crash).toEqual({ cause: 'watchdog', at: 1700 });
    await settle();
    expect(guest.state()).toBe('destroyed');
    expect(guest.destroys()).toEqual([1700]);
    // Why is kept after the guest is gone; it is not restarted.
    expect(guest.context().crash).toEqual({ cause: 'watchdog', at: 1700 });
    expect(guest.starts).toHaveLength(1);
  });

  it('when its timer fires late, the supervisor having stalled, reads the heartbeats that came meanwhile before it judges', async () => {
    const guest = guestUnderTest();
    await guest.boot();
    guest.clock.increment(5_000);
    expect(guest.state()).toBe('running.overdue');
    guest.actor.send({ type: 'guest.heartbeat' });
    expect(guest.state()).toBe('running.watched');

    guest.clock.increment(5_000);
    guest.clock.increment(watchdog.heartbeatMs);
    expect(guest.state()).toBe('crashed');
    expect(guest.context().crash).toEqual({ cause: 'watchdog', at: 10_000 + watchdog.heartbeatMs });
  });

  it('crashes when the process exits, keeping its exit code and last words', async () => {
    const guest = guestUnderTest();
    await guest.boot();
    guest.clock.increment(420);
    guest.fakes.exit(GUEST, 1, { code: 2, signal: null, detail: 'lost the bus' });
    expect(guest.state()).toBe('crashed');
    await settle();
    expect(guest.states.slice(-2)).toEqual(['crashed', 'destroyed']);
    expect(guest.context().crash).toEqual({ cause: 'exited', at: 420, code: 2, signal: null, detail: 'lost the bus' });
  });

  it('crashes when not booted within startTimeoutMs of starting', async () => {
    const guest = guestUnderTest();
    guest.actor.send({ type: 'create' });
    await settle();
    guest.clock.increment(4999);
    expect(guest.state()).toBe('booting');
    guest.clock.increment(1);
    expect(guest.context().crash).toEqual({ cause: 'start-timeout', at: 5000 });
    await settle();
    expect(guest.state()).toBe('destroyed');
    expect(guest.destroys()).toEqual([5000]);
  });

  it('crashes when the process exits while booting', async () => {
    const guest = guestUnderTest();
    guest.actor.send({ type: 'create' });
    await settle();
    guest.fakes.exit(GUEST, 1, { code: null, signal: 'SIGKILL' });
    await settle();
    expect(guest.states).toEqual(['defined', 'creating', 'booting', 'crashed', 'destroyed']);
    expect(guest.context().crash).toMatchObject({ cause: 'exited', signal: 'SIGKILL' });
  });

  it('destroys a guest being created once its process exists', async () => {
    let started = (_handle: InstanceHandle) => {};
    const guest = guestUnderTest({ start: () => new Promise((resolve) => (started = resolve)) });
    guest.actor.send({ type: 'create' });
    guest.clock.increment(10);
    guest.actor.send({ type: 'destroy' });
    expect(guest.state()).toBe('creating');
    guest.clock.increment(10);
    started(fakeHandle(GUEST, 1));
    await settle();
    expect(guest.states).toEqual(['defined', 'creating', 'destroying', 'destroyed']);
    expect(guest.destroys()).toEqual([20]);
  });

  it('destroys a guest never created without a driver call', () => {
    const guest = guestUnderTest();
    guest.actor.send({ type: 'destroy' });
    expect(guest.state()).toBe('destroyed');
    expect(guest.fakes.calls).toEqual([]);
  });

  it('fails, saying why, when the guest cannot be started', async () => {
    const guest = guestUnderTest({ start: () => Promise.reject(new Error('no code for role "guest"')) });
    guest.actor.send({ type: 'create' });
    await settle();
    expect(guest.state()).toBe('failed');
    expect(guest.context().failure).toBe('start failed: no code for role "guest"');
  });

  it('fails when the guest cannot be destroyed, keeping the crash that led there', async () => {
    const guest = guestUnderTest();
    guest.fakes.behaviour.destroyInstance = () => Promise.reject(new Error('EPERM'));
    await guest.boot();
    guest.clock.increment(1000);
    await settle();
    expect(guest.state()).toBe('failed');
    expect(guest.context()).toMatchObject({ failure: 'destroy failed: EPERM', crash: { cause: 'watchdog', at: 1000 } });
  });

  it('reports running, then gone with the crash, to its parent', async () => {
    const clock = new SimulatedClock();
    const fakes = fakeInstanceActors(clock);
    const reports: AnyEventObject[] = [];
    const startGuest = fromPromise<InstanceHandle, StartGuestInput>(async ({ input }) => fakeHandle(input.id, 1));
    const parent = createMachine({
      invoke: {
        id: 'child',
        src: guestMachine.provide({ actors: { startGuest, destroyGuest: fakes.actors.destroyInstance, watchInstance: fakes.actors.watchInstance } }),
        input: { id: GUEST, domid: 7, watchdog, clock } satisfies GuestMachineInput,
      },
      on: { '*': { actions: ({ event }) => reports.push(event) } },
    });
    const actor = createActor(parent, { clock }).start();
    const child = actor.getSnapshot().children['child'];
    child?.send({ type: 'create' });
    await settle();
    child?.send({ type: 'guest.booted' });
    clock.increment(1000);
    await settle();

    expect(reports.map((event) => event.type)).toEqual(['guest.running', 'guest.gone', 'xstate.done.actor.child']);
    expect(reports[1]).toEqual({ type: 'guest.gone', id: GUEST, crash: { cause: 'watchdog', at: 1000 } });
  });

  it('fails loudly when the supervisor forgot to provide an actor', async () => {
    const actor = createActor(guestMachine, { input: { id: GUEST, domid: 7, watchdog, clock: new SimulatedClock() } }).start();
    actor.send({ type: 'create' });
    await settle();
    expect(actor.getSnapshot().value).toBe('failed');
    expect(actor.getSnapshot().context.failure).toBe('start failed: startGuest not provided');
  });
});

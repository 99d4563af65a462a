import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock, waitFor } from 'xstate';
import type { Actor, AnyActorRef, StateValue } from 'xstate';
import { statePath } from '../lifecycle/state-path.js';
import { LogicHarness } from '../xenstore/testing/logic-harness.js';
import { CLOSE_TIMEOUT_MS, backendDeviceMachine } from './backend-device-machine.js';
import type { DeviceAtBackend } from './backend-device-machine.js';
import { backendMachine } from './backend-machine.js';
import { domainHome, vbdEntries } from './device-entries.js';
import { frontendMachine } from './frontend-machine.js';
import type { FrontendEmitted } from './frontend-machine.js';
import { harnessXenbus } from './testing/harness-xenbus.js';
import type { XenbusConnection } from './xenbus-connection.js';
import { XenbusState } from './xenbus-state.js';
import { writeDirectories } from './write-directories.js';

const GUEST = 5;
const BACKEND = 2;
const entries = vbdEntries({ guest: GUEST, guestName: 'web', backend: BACKEND, vdev: 'xvda', params: 'web/xvda.img', sizeBytes: 1 << 20 });
const DEVICE_KEY = `${GUEST}/51712`;

/** A XenStore with one disk wired by the toolstack, and the block service's device actions, recorded. */
async function host(options: { openFails?: boolean; openWaitsFor?: Promise<void> } = {}) {
  const harness = await LogicHarness.open();
  const xenbus = harnessXenbus(harness);
  const dom0 = await xenbus(0);
  await writeDirectories(dom0.client, [domainHome(GUEST), domainHome(BACKEND)]);
  await writeDirectories(dom0.client, [entries.frontend, entries.backend]);
  const opened: DeviceAtBackend[] = [];
  const closed: string[] = [];
  const device = backendDeviceMachine.provide({
    actors: {
      openDevice: fromPromise<Record<string, string>, DeviceAtBackend>(async ({ input }) => {
        if (options.openFails) throw new Error('image missing');
        await options.openWaitsFor;
        opened.push(input);
        return { sectors: '2048', 'sector-size': '512', 'feature-flush-cache': '1' };
      }),
      closeDevice: fromPromise<void, DeviceAtBackend>(async ({ input }) => void closed.push(input.dir)),
    },
  });
  const clock = new SimulatedClock();
  const startBackend = async () => {
    const connection = await xenbus(BACKEND);
    /** The device machine's states at the end of each step (states passed through within one are not seen). */
    const deviceStates: string[] = [];
    const actor = createActor(backendMachine.provide({ actors: { device } }), {
      clock,
      input: { xenbus: connection, domid: BACKEND, kind: 'vbd' },
      inspect: (event) => {
        if (event.type !== '@xstate.snapshot' || event.actorRef === actor) return;
        const { value } = event.snapshot as { value?: StateValue };
        if (value === undefined || (event.actorRef as AnyActorRef).getSnapshot().machine !== device) return;
        if (deviceStates.at(-1) !== statePath(value)) deviceStates.push(statePath(value));
      },
    });
    actor.start();
    const deviceActor = async () => (await waitFor(actor, (snapshot) => snapshot.context.devices[DEVICE_KEY] !== undefined)).context.devices[DEVICE_KEY]!;
    /** Waits until the device machine is in `path` (`attached.connected`). */
    const deviceIn = async (path: string) => waitFor(await deviceActor(), (snapshot) => statePath(snapshot.value) === path);
    return { connection, actor, deviceStates, deviceActor, deviceIn };
  };
  const startFrontend = async () => {
    const connection = await xenbus(GUEST);
    const actor = createActor(frontendMachine, { input: { xenbus: connection, dir: entries.frontend.path, details: { protocol: 'xoar-bus-1' } } });
    const emitted: FrontendEmitted['type'][] = [];
    /** The backend states the front-end saw, in order. */
    const backendStates: XenbusState[] = [];
    actor.on('*', (event) => emitted.push(event.type));
    actor.subscribe(({ context }) => {
      if (backendStates.at(-1) !== context.backendState) backendStates.push(context.backendState);
    });
    actor.start();
    return { connection, actor, emitted, backendStates };
  };
  const state = (dir: string) => dom0.client.read(`${dir}/state`);
  return { dom0, clock, opened, closed, startBackend, startFrontend, state };
}

const connected = (actor: Actor<typeof frontendMachine>) => waitFor(actor, (snapshot) => snapshot.matches({ attached: 'connected' }));

describe('xenbus front-end and back-end', () => {
  it('connect: Initialising → InitWait → Initialised → Connected, each publishing its nodes', async () => {
    const { startBackend, startFrontend, opened, state, dom0 } = await host();
    const backend = await startBackend();
    const frontend = await startFrontend();
    await connected(frontend.actor);
    expect(frontend.emitted).toEqual(['connected']);
    // Whether it saw the toolstack's Initialising depends on who started first.
    expect(frontend.backendStates.filter((seen) => seen !== XenbusState.Initialising)).toEqual([XenbusState.Unknown, XenbusState.InitWait, XenbusState.Connected]);
    expect(backend.deviceStates).toEqual(['reading', 'attached.resuming', 'attached.initWait', 'attached.connecting', 'attached.publishing', 'attached.connected']);
    expect(opened).toEqual([{ dir: entries.backend.path, nodes: expect.objectContaining({ params: 'web/xvda.img', 'frontend-id': '5', state: '1' }) }]);
    expect(await state(entries.backend.path)).toBe('4');
    expect(await state(entries.frontend.path)).toBe('4');
    expect(await dom0.client.read(`${entries.frontend.path}/protocol`)).toBe('xoar-bus-1');
  });

  it('hands the backend nodes to the front-end with `connected`', async () => {
    const { startBackend, startFrontend } = await host();
    await startBackend();
    const { actor } = await startFrontend();
    const event = new Promise<FrontendEmitted>((resolve) => actor.on('connected', resolve));
    expect(await event).toMatchObject({ type: 'connected', backend: { sectors: '2048', 'sector-size': '512', state: '4' } });
  });

  it('reconnects the front-end after a backend rollback: Closing → Closed → InitWait → Connected', async () => {
    const { startBackend, startFrontend, opened } = await host();
    const first = await startBackend();
    const frontend = await startFrontend();
    await connected(frontend.actor);

    // The old instance is destroyed (its connection goes); a fresh one starts from the snapshot.
    first.actor.stop();
    await first.connection.close();
    frontend.backendStates.length = 0;
    const second = await startBackend();
    await waitFor(frontend.actor, () => frontend.emitted.length === 3);
    await second.deviceIn('attached.connected');

    expect(frontend.emitted).toEqual(['connected', 'disconnected', 'connected']);
    expect(second.deviceStates).toEqual([
      'reading',
      'attached.resuming',
      'attached.closing.waiting',
      'attached.closed.writing',
      'attached.initWait',
      'attached.connecting',
      'attached.publishing',
      'attached.connected',
    ]);
    // Watch events may be coalesced into one read, but never out of order.
    expect(frontend.backendStates.filter((seen) => seen !== XenbusState.Closed)).toEqual([XenbusState.Connected, XenbusState.Closing, XenbusState.InitWait, XenbusState.Connected]);
    expect(opened).toHaveLength(2);
    expect(frontend.actor.getSnapshot().context.dir).toBe(entries.frontend.path);
  });

  it('reconnects the front-end after its backend disappears and comes back', async () => {
    const { startBackend, startFrontend, dom0, closed, opened } = await host();
    const first = await startBackend();
    const frontend = await startFrontend();
    await connected(frontend.actor);

    first.actor.stop();
    await first.connection.close();
    await dom0.client.remove(entries.backend.path);
    await waitFor(frontend.actor, (snapshot) => snapshot.context.backendState === XenbusState.Unknown);
    expect(frontend.actor.getSnapshot().matches({ attached: 'initialising' })).toBe(true);
    expect(frontend.emitted).toEqual(['connected', 'disconnected']);

    await writeDirectories(dom0.client, [entries.backend]);
    await startBackend();
    await waitFor(frontend.actor, () => frontend.emitted.length === 3);
    expect(frontend.emitted).toEqual(['connected', 'disconnected', 'connected']);
    expect(opened).toHaveLength(2);
    expect(closed).toEqual([]);
  });

  it('closes the device when its directory is removed under a running backend', async () => {
    const { startBackend, startFrontend, dom0, closed } = await host();
    const backend = await startBackend();
    const frontend = await startFrontend();
    await connected(frontend.actor);
    const device = await backend.deviceActor();
    await dom0.client.remove(entries.backend.path);
    await waitFor(device, (snapshot) => snapshot.status === 'done');
    expect(backend.actor.getSnapshot().context.devices).toEqual({});
    expect(closed).toEqual([entries.backend.path]);
  });

  it('closes a device removed while it was being opened, once it is open', async () => {
    let finishOpening = () => {};
    const { startBackend, startFrontend, dom0, opened, closed } = await host({ openWaitsFor: new Promise<void>((resolve) => (finishOpening = resolve)) });
    const backend = await startBackend();
    await startFrontend();
    await backend.deviceIn('attached.connecting');
    const device = await backend.deviceActor();
    await dom0.client.remove(entries.backend.path);
    await waitFor(device, (snapshot) => snapshot.context.removeRequested);
    finishOpening();
    await waitFor(device, (snapshot) => snapshot.status === 'done');
    expect(opened).toHaveLength(1);
    expect(closed).toEqual([entries.backend.path]);
  });

  it('detaches on close: front-end Closing → backend Closing → front-end Closed → backend Closed', async () => {
    const { startBackend, startFrontend, closed, state } = await host();
    const backend = await startBackend();
    const frontend = await startFrontend();
    await connected(frontend.actor);
    frontend.actor.send({ type: 'close' });
    await waitFor(frontend.actor, (snapshot) => snapshot.status === 'done');
    await backend.deviceIn('attached.closed.idle');
    expect(backend.deviceStates.slice(-5)).toEqual(['attached.connected', 'attached.closing.releasing', 'attached.closing.waiting', 'attached.closed.writing', 'attached.closed.idle']);
    expect(closed).toEqual([entries.backend.path]);
    expect(frontend.emitted).toEqual(['connected', 'disconnected']);
    expect(await state(entries.frontend.path)).toBe('6');
    expect(await state(entries.backend.path)).toBe('6');
  });

  it('closes anyway when the front-end does not let go within the close timeout', async () => {
    const { startBackend, dom0, clock, state } = await host();
    // A connected pair left behind by an instance rolled back, with a front-end that no longer answers.
    await dom0.client.write(`${entries.backend.path}/state`, '4');
    await dom0.client.write(`${entries.frontend.path}/state`, '4');
    const backend = await startBackend();
    await backend.deviceIn('attached.closing.waiting');
    const device = await backend.deviceActor();
    expect(await state(entries.backend.path)).toBe('5');
    clock.increment(CLOSE_TIMEOUT_MS - 1);
    expect(statePath(device.getSnapshot().value)).toBe('attached.closing.waiting');
    clock.increment(1);
    await backend.deviceIn('attached.closed.idle');

    // The front-end comes back: the backend waits for it again.
    await dom0.client.write(`${entries.frontend.path}/state`, '1');
    await backend.deviceIn('attached.initWait');
  });

  it('stays Closed, saying why, when the device cannot be opened', async () => {
    const { startBackend, startFrontend, state } = await host({ openFails: true });
    const backend = await startBackend();
    const frontend = await startFrontend();
    const device = await backend.deviceIn('attached.failed');
    expect(device.context.failure).toBe('opening the device failed: image missing');
    await waitFor(frontend.actor, (snapshot) => snapshot.context.backendState === XenbusState.Closed);
    expect(frontend.actor.getSnapshot().matches({ attached: 'initialising' })).toBe(true);
    expect(frontend.emitted).toEqual([]);
    expect(await state(entries.backend.path)).toBe('6');
  });

  it('fails a front-end whose directory names no backend', async () => {
    const harness = await LogicHarness.open();
    const guest: XenbusConnection = await harnessXenbus(harness)(GUEST);
    const actor = createActor(frontendMachine, { input: { xenbus: guest, dir: '/local/domain/5/device/vbd/51728', details: {} } }).start();
    await waitFor(actor, (snapshot) => snapshot.status === 'done');
    expect(actor.getSnapshot().value).toBe('failed');
    expect(actor.getSnapshot().context.failure).toBe('cannot read which backend serves /local/domain/5/device/vbd/51728: XenStore refused READ /local/domain/5/device/vbd/51728/backend: EACCES');
  });
});

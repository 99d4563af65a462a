import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../policy/types.js';
import type { InstanceExit, InstanceHandle, InstanceSpec, ServiceDriver } from './driver.js';

/** A real driver, and specs its instances can run with here. */
export interface DriverConformanceContext {
  driver: ServiceDriver;
  /** A spec whose instance stays alive until destroyed (its broker accepts it and never answers, say). */
  liveSpec(id: string, role: string, instance: number): InstanceSpec;
  /** The same service, made to end by itself soon after it starts (a broker it cannot reach, say). */
  exitingSpec(spec: InstanceSpec): InstanceSpec;
  dispose(): Promise<void>;
}

export interface DriverConformanceOptions {
  /** Per test: a driver that boots domains needs longer than one that spawns processes. */
  timeoutMs?: number;
}

/** How long an instance must stay up to count as live. */
const LIVE_FOR_MS = 300;

/**
 * What every ServiceDriver promises the lifecycle machines, checked on a real driver. Run it
 * from a test file: `describeDriverConformance('process', async () => ({ driver, … }))`.
 */
export function describeDriverConformance(name: string, makeContext: () => Promise<DriverConformanceContext>, options: DriverConformanceOptions = {}): void {
  describe(`the ${name} driver, as every driver must`, () => {
    let context: DriverConformanceContext;
    const running: InstanceHandle[] = [];
    const timeout = options.timeoutMs;

    beforeAll(async () => {
      context = await makeContext();
    }, timeout);
    afterAll(async () => {
      await Promise.all(running.map((handle) => context.driver.destroy(handle)));
      await context.dispose();
    }, timeout);

    const start = async (spec: InstanceSpec) => track(await context.driver.start(spec));
    const track = (handle: InstanceHandle) => {
      running.push(handle);
      return handle;
    };

    it('starts an instance that stays live: its exit stays pending', async () => {
      const handle = await start(context.liveSpec('conf-live', Role.builder, 1));
      expect(handle).toMatchObject({ id: 'conf-live', instance: 1 });
      expect(await settlesWithin(handle.exited, LIVE_FOR_MS)).toBe('pending');
    }, timeout);

    it('destroys an instance: its exit settles, and destroying it again is harmless', async () => {
      const handle = await start(context.liveSpec('conf-destroy', Role.builder, 1));
      await context.driver.destroy(handle);
      expect(await settlesWithin(handle.exited, 0)).not.toBe('pending');
      await context.driver.destroy(handle);
    }, timeout);

    it('snapshots the same service alike, never with its seed, and another role differently', async () => {
      const spec = context.liveSpec('conf-snap', Role.builder, 1);
      const handle = await start(spec);
      const first = await context.driver.snapshot(handle, spec);
      const second = await context.driver.snapshot(handle, spec);
      expect(first.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(second.digest).toBe(first.digest);
      expect(JSON.stringify(first)).not.toContain(spec.seed);

      const otherSpec = context.liveSpec('conf-snap-other', Role.toolstack, 1);
      const other = await start(otherSpec);
      expect((await context.driver.snapshot(other, otherSpec)).digest).not.toBe(first.digest);
    }, timeout);

    it('restores a new live instance with the new instance number, leaving the old one untouched', async () => {
      const spec = context.liveSpec('conf-restore', Role.builder, 1);
      const old = await start(spec);
      const snapshot = await context.driver.snapshot(old, spec);
      const restored = track(await context.driver.restore(snapshot, 2, spec.seed));
      expect(restored).toMatchObject({ id: 'conf-restore', instance: 2 });
      expect(await settlesWithin(restored.exited, LIVE_FOR_MS)).toBe('pending');
      expect(await settlesWithin(old.exited, 0)).toBe('pending');
    }, timeout);

    it('restores a warm standby that is live too', async () => {
      const spec = context.liveSpec('conf-standby', Role.builder, 1);
      const old = await start(spec);
      const snapshot = await context.driver.snapshot(old, spec);
      const standby = track(await context.driver.restore(snapshot, 2, spec.seed, { standby: true }));
      expect(standby.instance).toBe(2);
      expect(await settlesWithin(standby.exited, LIVE_FOR_MS)).toBe('pending');
    }, timeout);

    it('reports an instance whose service ends by itself, as a failure', async () => {
      const handle = await start(context.exitingSpec(context.liveSpec('conf-exit', Role.builder, 1)));
      const exit = await handle.exited;
      expect(exit.code).not.toBe(0);
      expect(exit.code !== null || exit.signal !== null || exit.detail !== undefined).toBe(true);
    }, timeout);
  });
}

/** The exit, if it settles within `ms` (0: only if it already has), else `pending`. */
async function settlesWithin(exited: Promise<InstanceExit>, ms: number): Promise<InstanceExit | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  try {
    return await Promise.race([exited, pending]);
  } finally {
    clearTimeout(timer);
  }
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrincipalKey } from '../shared/broker/credentials.js';
import type { InstanceHandle, InstanceSpec } from '../shared/drivers/driver.js';
import { ProcessDriver } from '../shared/drivers/process/process-driver.js';
import type { XenToolstack } from '../shared/drivers/xen/toolstack.js';
import { XenDriver } from '../shared/drivers/xen/xen-driver.js';
import { XlToolstack } from '../shared/drivers/xen/xl-toolstack.js';
import { silentBroker } from '../shared/drivers/testing/silent-broker.js';
import { Role } from '../shared/policy/types.js';
import { type Summary, summarise } from './stats.js';

/**
 * What a service VM's lifecycle costs on each driver: on the xen driver, the xl commands it runs
 * (create and save build a service's template once; every instance is a restore; destroy), next
 * to the process driver's calls that stand in for them (start, snapshot, restore, destroy). The
 * xen column needs dom0 (`xl` on PATH, root): `npm run xen-lab` runs this section there.
 */
const PROCESS_ROUNDS = Number(process.env['XOAR_BENCH_DRIVER_ROUNDS'] ?? 20);
const XEN_RESTORES = Number(process.env['XOAR_BENCH_XEN_RESTORES'] ?? 3);
const XEN_BROKER_HOST = '10.88.0.1';

type Operation = 'create' | 'save' | 'restore' | 'destroy';
type Timings = Record<Operation, number[]>;

const row = (label: string, value: string, reference: string) => console.log(`  ${label.padEnd(46)} ${value.padEnd(34)} ${reference}`);
const ms = (s: Summary) => (s.n === 0 ? '—' : `median ${s.median.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (n=${s.n})`);

function xlAvailable(): boolean {
  try {
    execFileSync('xl', ['info'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function spec(id: string, natsUrl: string): InstanceSpec {
  return { host: 'bench', id, role: Role.builder, instance: 1, natsUrl, seed: createPrincipalKey(id).seed, heartbeatMs: 1_000, config: {}, readPaths: [], writePaths: [] };
}

async function time<T>(samples: number[], work: () => Promise<T>): Promise<T> {
  const began = performance.now();
  const value = await work();
  samples.push(performance.now() - began);
  return value;
}

/** The process driver's start, snapshot, restore and destroy, as the lifecycle machines call them. */
async function processTimings(): Promise<Timings> {
  const logDir = mkdtempSync(join(tmpdir(), 'xoar-driver-bench-'));
  const driver = new ProcessDriver({ logDir });
  const broker = await silentBroker('127.0.0.1');
  const timings: Timings = { create: [], save: [], restore: [], destroy: [] };
  try {
    for (let i = 0; i < PROCESS_ROUNDS; i++) {
      const first = spec('bench-builder', broker.url);
      const handle = await time(timings.create, () => driver.start(first));
      const snapshot = await time(timings.save, () => driver.snapshot(handle, first));
      const restored = await time(timings.restore, () => driver.restore(snapshot, 2, first.seed));
      for (const instance of [handle, restored]) await time(timings.destroy, () => driver.destroy(instance));
    }
  } finally {
    await broker.close();
    await driver.close();
    rmSync(logDir, { recursive: true, force: true });
  }
  return timings;
}

/** The xl commands the xen driver runs for a new service (its template) and its instances. */
async function xenTimings(): Promise<Timings> {
  const stateDir = mkdtempSync(join('/var/lib/xoar', 'driver-bench-'));
  const timings: Timings = { create: [], save: [], restore: [], destroy: [] };
  const xen = timedToolstack(new XlToolstack(), timings);
  const out = join(process.cwd(), '.xen-lab', 'out');
  const driver = new XenDriver(xen, { image: { kernel: join(out, 'vmlinuz'), ramdisk: join(out, 'service.cpio.gz'), rootDisk: join(out, 'service-root.img'), kernelArgs: ['quiet'] }, stateDir, defaultMemoryMiB: 192 });
  const broker = await silentBroker(XEN_BROKER_HOST);
  const handles: InstanceHandle[] = [];
  try {
    const first = spec('bench-builder', broker.url);
    handles.push(await driver.start(first));
    const snapshot = await driver.snapshot(handles[0] as InstanceHandle, first);
    for (let instance = 2; instance <= XEN_RESTORES; instance++) handles.push(await driver.restore(snapshot, instance, first.seed));
    for (const handle of handles) await driver.destroy(handle);
  } finally {
    await broker.close();
    await driver.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return timings;
}

function timedToolstack(xen: XenToolstack, timings: Timings): XenToolstack {
  return {
    create: (cfg, name) => time(timings.create, () => xen.create(cfg, name)),
    save: (name, file) => time(timings.save, () => xen.save(name, file)),
    restore: (cfg, file, name) => time(timings.restore, () => xen.restore(cfg, file, name)),
    destroy: (name) => time(timings.destroy, () => xen.destroy(name)),
    attachDisk: (name, disk) => xen.attachDisk(name, disk),
    attachNic: (name, vif) => xen.attachNic(name, vif),
    detachDisk: (name, vdev) => xen.detachDisk(name, vdev),
    detachNic: (name, mac) => xen.detachNic(name, mac),
    list: () => xen.list(),
    read: (path) => xen.read(path),
    write: (entries) => xen.write(entries),
    watch: (path, onEvent) => xen.watch(path, onEvent),
    createDisk: (file, size) => xen.createDisk(file, size),
    close: () => xen.close(),
  };
}

export async function printDriverBench(progress: (text: string) => void): Promise<void> {
  progress('drivers: process');
  const local = await processTimings();
  const onXen = xlAvailable();
  if (onXen) progress('drivers: xen (booting domains)');
  const xen = onXen ? await xenTimings() : undefined;
  progress('');
  const labels: Record<Operation, [string, string]> = {
    create: ['xl create (a template domain)', 'process start'],
    save: ['xl save (the template, after boot)', 'process snapshot'],
    restore: ['xl restore (each instance)', 'process restore'],
    destroy: ['xl destroy', 'process destroy'],
  };
  for (const operation of ['create', 'save', 'restore', 'destroy'] as const) {
    const [xenLabel, processLabel] = labels[operation];
    const xenFigure = xen === undefined ? 'no Xen here: npm run xen-lab' : ms(summarise(xen[operation]));
    row(`driver: ${xenLabel}`, xenFigure, `${processLabel}: ${ms(summarise(local[operation]))}`);
  }
}

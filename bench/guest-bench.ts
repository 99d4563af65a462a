import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../shared/bus/connect.js';
import { subjects } from '../shared/bus/subjects.js';
import { WORKLOAD_BLOCK_BYTES } from '../shared/guest/guest-config.js';
import { type BlockWorkloadCounters, GuestReportKind, decodeGuestReport, latencyPercentile } from '../shared/guest/guest-report.js';
import type { Supervisor } from '../services/supervisor/supervisor.js';
import { connectOperator, createGuest, destroyGuest, withTwoGuests } from '../test/support/guest-host.js';
import { bootTestHost, eventually, writePolicy } from '../test/support/test-host.js';
import { type Summary, summarise } from './stats.js';

/**
 * `npm run bench`'s guest rows, on the fast test host with two guests (`a`, `b`) served by the
 * shared `blk`, `net` and `toolstack`: guest create and destroy time through the toolstack, as
 * the operator does it; then the block throughput and write latency of `a`'s verified block load
 * (as `xoar guest create a --block-load xvda` runs it) with the block backend rolled back every
 * none, 10 s, 5 s and 1 s, each applied live (`policy apply` of a changed restart schedule) and
 * measured over the same window between two of the guest's own reports.
 */
const CREATES = Number(process.env['XOAR_BENCH_GUEST_CREATES'] ?? 10);
const WINDOW_S = Number(process.env['XOAR_BENCH_WINDOW_S'] ?? 10);
const WARMUP_S = Number(process.env['XOAR_BENCH_WARMUP_S'] ?? 2);
/** As `xoar guest create --block-load` runs it. */
const LOAD = { vdev: 'xvda', regionBlocks: 256, concurrency: 4 };
const INTERVALS: Array<{ label: string; every: string | null }> = [
  { label: 'none', every: null },
  { label: '10 s', every: '10s' },
  { label: '5 s', every: '5s' },
  { label: '1 s', every: '1s' },
  // Again at the end: how far two windows of the same schedule differ on this machine (the noise).
  { label: 'none (again)', every: null },
];
const BACKEND = 'blk';
const BUILDER = 'builder';

const progress = (text: string) => process.stderr.write(`\r\x1b[2K${text}`);
const row = (label: string, value: string, reference: string) => console.log(`  ${label.padEnd(46)} ${value.padEnd(34)} ${reference}`);
const ms = (s: Summary) => `median ${s.median.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms (n=${s.n})`;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The bench host's policy: two guests, a restart budget no deliberate rollback exhausts, `blk` rolled back every `every`. */
const benchEdit = (every: string | null) => (policy: Record<string, any>) => {
  withTwoGuests(policy);
  policy['restartBudget'] = { maxRestarts: 10_000, within: '60s', backoff: { initial: '50ms', max: '1s' } };
  const backend = (policy['services'] as Array<Record<string, any>>).find((service) => service['id'] === BACKEND);
  if (backend === undefined) throw new Error(`the fast test host has no ${BACKEND} service`);
  if (every === null) delete backend['restart'];
  else backend['restart'] = { every };
};

interface IntervalFigures {
  label: string;
  writesPerSecond: number;
  /** The slowest and fastest second of the window (between consecutive reports). */
  perSecondRange: [number, number];
  megabytesPerSecond: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  rollbacks: number;
  retries: number;
  verificationFailures: number;
}

/** The guest's workload reports as they arrive, each with its arrival time. */
class ReportLog {
  readonly reports: Array<{ at: number; block: BlockWorkloadCounters }> = [];

  private constructor(private readonly nc: NatsConnection) {}

  static async watch(supervisor: Supervisor, guest: string): Promise<ReportLog> {
    const { url, seed } = supervisor.credentialsOf('supervisor');
    const nc = await connectAs({ url, principal: 'supervisor', seed, name: 'bench-guest-reports' });
    const log = new ReportLog(nc);
    const subscription = nc.subscribe(subjects.guestStatus(supervisor.policy.host.name, guest));
    void (async () => {
      for await (const message of subscription) {
        const report = decodeGuestReport(message.data);
        if (report?.kind === GuestReportKind.workload && report.block !== undefined) log.reports.push({ at: performance.now(), block: report.block });
      }
    })();
    await nc.flush();
    return log;
  }

  /** The first report that arrives at or after `at`. */
  async firstFrom(at: number): Promise<{ at: number; block: BlockWorkloadCounters }> {
    return eventually(() => this.reports.find((report) => report.at >= at), 'a workload report from the guest', Math.max(0, at - performance.now()) + 10_000);
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}

export async function printGuestBench(): Promise<void> {
  const host = await bootTestHost(benchEdit(null));
  const supervisor = host.supervisor;
  const name = supervisor.policy.host.name;
  const operator = await connectOperator(supervisor);
  const service = (id: string) => supervisor.status().services.find((s) => s.id === id);
  const guest = (id: string) => supervisor.status().guests.find((g) => g.id === id);
  let reports: ReportLog | undefined;
  try {
    // Create and destroy, one at a time, each with a builder ready (the operator's pace, not a flood).
    const created: number[] = [];
    const connected: number[] = [];
    const destroyed: number[] = [];
    const builderReady = () => eventually(() => (service(BUILDER)?.state === 'running' && (service(BUILDER)?.standbys ?? 0) >= 1 ? true : undefined), 'a builder standby');
    for (let i = 1; i <= CREATES; i++) {
      progress(`guest create/destroy ${i}/${CREATES}`);
      await builderReady();
      const began = performance.now();
      await createGuest(operator, name, 'b');
      created.push(performance.now() - began);
      await eventually(() => {
        const devices = guest('b')?.devices ?? [];
        return devices.length === 2 && devices.every((d) => d.connected) ? true : undefined;
      }, "b's devices to connect");
      connected.push(performance.now() - began);
      await builderReady();
      const destroying = performance.now();
      await destroyGuest(operator, name, 'b');
      destroyed.push(performance.now() - destroying);
    }

    // Block load on `a`, with the backend's restart schedule applied live before each window.
    reports = await ReportLog.watch(supervisor, 'a');
    await builderReady();
    await createGuest(operator, name, 'a', { block: LOAD });
    const figures: IntervalFigures[] = [];
    for (const { label, every } of INTERVALS) {
      const what = `block load, ${BACKEND} ${every === null ? 'never rolled back' : `rolled back every ${label}`}`;
      progress(`${what}: warm-up`);
      if (figures.length > 0) {
        const dir = join(host.stateRoot, `policy-${figures.length}`);
        mkdirSync(dir);
        const applied = await supervisor.applyPolicy(writePolicy(dir, benchEdit(every)), 'operator');
        if (!applied.rescheduled.includes(BACKEND)) throw new Error(`applying restart schedule ${every ?? 'never'} did not reschedule ${BACKEND}`);
      }
      await sleep(WARMUP_S * 1_000);
      const first = await reports.firstFrom(performance.now());
      const rollbacksBefore = service(BACKEND)?.restarts ?? 0;
      progress(`${what}: ${WINDOW_S} s window`);
      const last = await reports.firstFrom(first.at + WINDOW_S * 1_000);
      const rollbacks = (service(BACKEND)?.restarts ?? 0) - rollbacksBefore;
      figures.push(windowFigures(label, reports.reports.slice(reports.reports.indexOf(first), reports.reports.indexOf(last) + 1), rollbacks));
    }
    const total = reports.reports.at(-1)?.block;
    progress('');

    console.log(`  guests (fast test host: guests a and b, shared ${BACKEND}/net/toolstack; builder rolled back per request)`);
    row('  guest create (toolstack answer: started)', ms(summarise(created)), 'paper: not reported');
    row('  guest create → vbd and vif connected', ms(summarise(connected)), 'paper: not reported');
    row('  guest destroy (toolstack answer)', ms(summarise(destroyed)), 'paper: not reported');
    console.log(
      `  block load of guest a (${LOAD.concurrency} in flight, 50% writes of ${WORKLOAD_BLOCK_BYTES / 1024} KiB, every read verified), over ${WINDOW_S} s after ${WARMUP_S} s warm-up, ${BACKEND} rolled back make before break every:`,
    );
    const header = ['restart interval', 'writes/s', '1 s min–max', 'MB/s', 'write median', 'write p99', 'write max', 'rollbacks', 'resent', 'verif. failures'];
    const widths = [18, 10, 14, 8, 14, 14, 14, 11, 8, 16];
    const line = (cells: string[]) => console.log(`    ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('')}`);
    line(header);
    for (const f of figures) {
      line([
        f.label,
        f.writesPerSecond.toFixed(0),
        `${f.perSecondRange[0].toFixed(0)}–${f.perSecondRange[1].toFixed(0)}`,
        f.megabytesPerSecond.toFixed(2),
        `≤ ${latency(f.medianMs)} ms`,
        `≤ ${latency(f.p99Ms)} ms`,
        `≤ ${latency(f.maxMs)} ms`,
        String(f.rollbacks),
        String(f.retries),
        String(f.verificationFailures),
      ]);
    }
    const nones = figures.filter((f) => f.label.startsWith('none'));
    const none = nones.reduce((sum, f) => sum + f.writesPerSecond, 0) / nones.length;
    console.log(`    vs none (mean of its ${nones.length} windows): ${figures.filter((f) => !nones.includes(f)).map((f) => `${f.label} ${((f.writesPerSecond / none - 1) * 100).toFixed(1)}%`).join(', ')} writes/s`);
    console.log('    write latency: send to ack, resends included, as the upper edge of its histogram bucket (buckets ×1.26 wide); 1 s min–max: the slowest and fastest second of the window; resent: requests sent again');
    console.log(`    all windows: ${total?.writesAcked ?? 0} writes acknowledged, ${total?.readsVerified ?? 0} reads verified, ${total?.verificationFailures ?? 0} verification failures`);
    console.log('    paper (SOSP 2011, "Restart Performance"): guest I/O throughput with its backend restarted at intervals down to 1 s; short intervals cost little (its numbers are not reproduced here)');
  } finally {
    progress('');
    await reports?.close();
    await operator.close();
    await host.dispose();
  }
}

function windowFigures(label: string, window: Array<{ at: number; block: BlockWorkloadCounters }>, rollbacks: number): IntervalFigures {
  const first = window[0]!;
  const last = window.at(-1)!;
  const perSecond = window.slice(1).map((report, i) => ((report.block.writesAcked - window[i]!.block.writesAcked) * 1_000) / (report.at - window[i]!.at));
  const seconds = (last.at - first.at) / 1_000;
  const writes = last.block.writesAcked - first.block.writesAcked;
  const latencies = last.block.writeLatency;
  if (latencies === undefined) throw new Error('the guest reports no write latencies');
  return {
    label,
    writesPerSecond: writes / seconds,
    perSecondRange: [Math.min(...perSecond), Math.max(...perSecond)],
    megabytesPerSecond: (writes * WORKLOAD_BLOCK_BYTES) / 1e6 / seconds,
    medianMs: latencyPercentile(latencies, first.block.writeLatency ?? null, 50),
    p99Ms: latencyPercentile(latencies, first.block.writeLatency ?? null, 99),
    maxMs: latencyPercentile(latencies, first.block.writeLatency ?? null, 100),
    rollbacks,
    retries: last.block.retries - first.block.retries,
    verificationFailures: last.block.verificationFailures - first.block.verificationFailures,
  };
}

const latency = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(0));


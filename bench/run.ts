import { readFileSync } from 'node:fs';
import { type HostPolicy, Role } from '../shared/policy/types.js';
import { type BenchHost, benchPolicy, startBenchHost } from './bench-host.js';
import { GapClients, type RollbackHow, perRequestThroughput, rollbackWindows, unavailability } from './rollback-bench.js';
import { printAuditBench } from './audit-bench.js';
import { printDriverBench } from './driver-bench.js';
import { printGuestBench } from './guest-bench.js';
import { type Summary, summarise } from './stats.js';
import { printXenstoreBench } from './xenstore-bench.js';

/**
 * `npm run bench`: control-plane boot time, rollback unavailability (the longest gap a client
 * pinging the service back to back sees: make before break, next to kill-and-respawn on a host
 * that replaces instead, in the same run) and service VM memory, each printed beside its reference.
 */
const BOOTS = Number(process.env['XOAR_BENCH_BOOTS'] ?? 10);
const ROLLBACKS = Number(process.env['XOAR_BENCH_ROLLBACKS'] ?? 200);
const BASELINE_ROLLBACKS = Number(process.env['XOAR_BENCH_BASELINE_ROLLBACKS'] ?? 30);
const PER_REQUEST_SECONDS = Number(process.env['XOAR_BENCH_PER_REQUEST_SECONDS'] ?? 10);
const PER_REQUEST_POOLS = (process.env['XOAR_BENCH_PER_REQUEST_POOLS'] ?? '1,4').split(',').map(Number);
const PER_REQUEST_CLIENTS = 4;
/** One client: on two cores, more clients pinging flat out would measure their own contention. */
const GAP_CLIENTS = 1;
const ROLLBACK_TARGET = Role.block;
/** Sections to run (comma-separated: rollback, per-request, guests, xenstore, audit, drivers); default all. */
const SECTIONS = ['rollback', 'per-request', 'guests', 'xenstore', 'audit', 'drivers'];
const ONLY = process.env['XOAR_BENCH_ONLY']?.split(',').map((section) => section.trim());
const unknownSections = ONLY?.filter((section) => !SECTIONS.includes(section)) ?? [];
if (unknownSections.length > 0) throw new Error(`XOAR_BENCH_ONLY names no section "${unknownSections.join('", "')}" (sections: ${SECTIONS.join(', ')})`);
const runs = (section: string) => ONLY === undefined || ONLY.includes(section);

/** Figures from the Xoar paper (SOSP 2011), where they exist. */
const PAPER = {
  restoreMs: '4–25 ms (snapshot restore)',
  memoryMb: { 'xenstore-state': 32, 'xenstore-logic': 32, builder: 64, toolstack: 128, block: 128, network: 128 } as Record<string, number>,
};

const progress = (text: string) => process.stderr.write(`\r\x1b[2K${text}`);
const row = (label: string, value: string, reference: string) => console.log(`  ${label.padEnd(46)} ${value.padEnd(34)} ${reference}`);
const ms = (s: Summary) => `median ${s.median.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms (n=${s.n})`;
const fineMs = (s: Summary) => `median ${s.median.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms (n=${s.n})`;

/** Rollbacks of one service under back-to-back pings from client processes; the gap each rollback left. */
async function rollbackUnavailability(host: BenchHost, service: string, runs: Array<{ how: RollbackHow; count: number }>): Promise<Summary[]> {
  const clients = await GapClients.start(host.supervisor, service, GAP_CLIENTS);
  const windows = [];
  for (const { how, count } of runs) windows.push(await rollbackWindows(host.supervisor, service, how, count, progress));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const answers = await clients.stop();
  return windows.map((w) => unavailability(answers, w));
}

async function bootTimes(): Promise<Summary> {
  const policy = await benchPolicy();
  const samples: number[] = [];
  for (let i = 1; i <= BOOTS; i++) {
    progress(`boot ${i}/${BOOTS}`);
    const began = performance.now();
    const host = await startBenchHost(policy);
    samples.push(performance.now() - began);
    await host.dispose();
  }
  return summarise(samples);
}

function memoryByRole(host: BenchHost): Array<{ role: string; rssMb: number }> {
  return host.supervisor.status().services.flatMap((service) => {
    if (service.pid === null) return [];
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
    return [{ role: service.role, rssMb: rssKb / 1024 }];
  });
}

async function main(): Promise<void> {
  console.log(`xoar bench — ${new Date().toISOString()} — node ${process.version}, process driver\n`);
  console.log(`  ${'measure'.padEnd(46)} ${'xoar (this run)'.padEnd(34)} reference`);
  const policy = await benchPolicy();
  if (runs('rollback')) await printRollbackBench(policy);
  if (runs('per-request')) await printPerRequestBench(policy);
  if (runs('guests')) {
    progress('guests');
    await printGuestBench();
  }
  if (runs('xenstore')) {
    progress('XenStore');
    await printXenstoreBench();
  }
  if (runs('audit')) {
    progress('audit');
    await printAuditBench();
  }
  if (runs('drivers')) await printDriverBench(progress);
  progress('');
}

/** Boot time, rollback unavailability and memory. */
async function printRollbackBench(policy: HostPolicy): Promise<void> {
  const boot = await bootTimes();
  const target = policy.services.find((s) => s.role === ROLLBACK_TARGET);
  if (!target) throw new Error(`the bench policy has no ${ROLLBACK_TARGET} service`);
  // Baseline first, on a host that rolls back by replacement (kill and restore), as before make before break.
  const baselineHost = await startBenchHost(policy, { makeBeforeBreak: false });
  let baseline: Summary[];
  try {
    baseline = await rollbackUnavailability(baselineHost, target.id, [
      { how: 'kill', count: BASELINE_ROLLBACKS },
      { how: 'operator', count: BASELINE_ROLLBACKS },
    ]);
  } finally {
    await baselineHost.dispose();
  }
  const host = await startBenchHost(policy);
  try {
    const [quiet, operator, killed] = await rollbackUnavailability(host, target.id, [
      { how: 'none', count: ROLLBACKS },
      { how: 'operator', count: ROLLBACKS },
      { how: 'kill', count: BASELINE_ROLLBACKS },
    ]);
    const memory = memoryByRole(host);
    progress('');
    row('control-plane boot (policy → all running)', ms(boot), 'paper: not reported');
    console.log(`  rollback unavailability (${ROLLBACK_TARGET}): the longest gap a client pinging back to back sees`);
    row('  make before break, operator rollback', fineMs(operator as Summary), `paper: ${PAPER.restoreMs}; target p99 ≤ 1 ms`);
    row('  make before break, kill -9 (warm standby)', fineMs(killed as Summary), `paper: ${PAPER.restoreMs}`);
    row('  kill-and-respawn baseline, operator', fineMs(baseline[1] as Summary), 'same run, replace rollback');
    row('  kill-and-respawn baseline, kill -9', fineMs(baseline[0] as Summary), 'same run, replace rollback');
    row('  no rollback (same windows: the noise floor)', fineMs(quiet as Summary), 'same run, same client');
    for (const { role, rssMb } of memory) row(`memory, ${role}`, `${rssMb.toFixed(1)} MB RSS`, `paper: ${PAPER.memoryMb[role] ?? '?'} MB (VM)`);
    const total = memory.reduce((sum, m) => sum + m.rssMb, 0);
    row('memory, all running service VMs', `${total.toFixed(1)} MB RSS`, 'paper: 512 MB (all components)');
  } finally {
    await host.dispose();
  }
}

async function printPerRequestBench(policy: HostPolicy): Promise<void> {
  // Per-request rollback: the builder (onRequest in the default policy) answers each request with a fresh instance.
  const perRequest = [];
  for (const pool of PER_REQUEST_POOLS) {
    const oneShotHost = await startBenchHost(policy, { standbys: pool });
    try {
      const builder = policy.services.find((s) => s.role === Role.builder && s.restart.kind === 'onRequest');
      if (!builder) throw new Error('the bench policy has no onRequest builder');
      progress(`per-request rollback, pool of ${pool}`);
      // Let the pool fill before the clock starts.
      while ((oneShotHost.supervisor.status().services.find((s) => s.id === builder.id)?.standbys ?? 0) < pool) await new Promise((r) => setTimeout(r, 20));
      perRequest.push({ pool, ...(await perRequestThroughput(oneShotHost.supervisor, builder.id, PER_REQUEST_CLIENTS, PER_REQUEST_SECONDS)) });
    } finally {
      await oneShotHost.dispose();
    }
  }
  progress('');
  for (const { pool, perSecond, answers, instances, retries } of perRequest) {
    row(`per-request rollback (builder), pool of ${pool}`, `${perSecond.toFixed(1)} requests/s`, `${answers} answers by ${instances} instances, ${retries} retries, ${PER_REQUEST_CLIENTS} clients, ${PER_REQUEST_SECONDS} s`);
  }
}

await main();

import { readFileSync } from 'node:fs';
import { Role } from '../shared/policy/types.js';
import { type BenchHost, benchPolicy, firstAnswerFrom, startBenchHost } from './bench-host.js';
import { printAuditBench } from './audit-bench.js';
import { type Summary, summarise } from './stats.js';
import { printXenstoreBench } from './xenstore-bench.js';

/**
 * `npm run bench`: control-plane boot time, rollback unavailability (crash and operator
 * rollbacks) and service VM memory, each printed beside its reference.
 */
const BOOTS = Number(process.env['XOAR_BENCH_BOOTS'] ?? 10);
const ROLLBACKS = Number(process.env['XOAR_BENCH_ROLLBACKS'] ?? 30);
const ROLLBACK_TARGET = Role.block;

/** Figures from the Xoar paper (SOSP 2011), where they exist. */
const PAPER = {
  restoreMs: '4–25 ms (snapshot restore)',
  memoryMb: { 'xenstore-state': 32, 'xenstore-logic': 32, builder: 64, toolstack: 128, block: 128, network: 128 } as Record<string, number>,
};

const progress = (text: string) => process.stderr.write(`\r\x1b[2K${text}`);
const row = (label: string, value: string, reference: string) => console.log(`  ${label.padEnd(46)} ${value.padEnd(34)} ${reference}`);
const ms = (s: Summary) => `median ${s.median.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms (n=${s.n})`;

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

async function rollbackGaps(host: BenchHost, how: 'kill' | 'operator'): Promise<Summary> {
  const { supervisor, client } = host;
  const name = supervisor.policy.host.name;
  const target = supervisor.policy.services.find((s) => s.role === ROLLBACK_TARGET);
  if (!target) throw new Error(`the bench policy has no ${ROLLBACK_TARGET} service`);
  const samples: number[] = [];
  for (let i = 1; i <= ROLLBACKS; i++) {
    progress(`${how} rollback ${i}/${ROLLBACKS}`);
    const before = supervisor.status().services.find((s) => s.id === target.id);
    if (!before?.pid || before.state !== 'running') throw new Error(`${target.id} is not running`);
    const began = performance.now();
    if (how === 'kill') process.kill(before.pid, 'SIGKILL');
    else void supervisor.restart(target.id);
    const answered = await firstAnswerFrom(client, name, target.id, before.instance);
    samples.push(answered - began);
    while (supervisor.status().services.find((s) => s.id === target.id)?.state !== 'running') await new Promise((r) => setTimeout(r, 5));
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
  const boot = await bootTimes();
  const host = await startBenchHost(await benchPolicy());
  try {
    const killed = await rollbackGaps(host, 'kill');
    const operator = await rollbackGaps(host, 'operator');
    const memory = memoryByRole(host);
    progress('');
    console.log(`  ${'measure'.padEnd(46)} ${'xoar (this run)'.padEnd(34)} reference`);
    row('control-plane boot (policy → all running)', ms(boot), 'paper: not reported');
    row(`rollback unavailability, kill -9 (${ROLLBACK_TARGET})`, ms(killed), `paper: ${PAPER.restoreMs}`);
    row(`rollback unavailability, operator (${ROLLBACK_TARGET})`, ms(operator), `paper: ${PAPER.restoreMs}`);
    for (const { role, rssMb } of memory) row(`memory, ${role}`, `${rssMb.toFixed(1)} MB RSS`, `paper: ${PAPER.memoryMb[role] ?? '?'} MB (VM)`);
    const total = memory.reduce((sum, m) => sum + m.rssMb, 0);
    row('memory, all running service VMs', `${total.toFixed(1)} MB RSS`, 'paper: 512 MB (all components)');
  } finally {
    await host.dispose();
  }
  progress('XenStore');
  await printXenstoreBench();
  progress('audit');
  await printAuditBench();
  progress('');
}

await main();

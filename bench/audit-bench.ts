import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditIndex } from '../shared/audit/audit-index.js';
import { AuditLog } from '../shared/audit/audit-log.js';
import { type AuditKind, AuditKind as Kind, type AuditRecord, GENESIS_HASH, type ServiceOnRecord } from '../shared/audit/audit-record.js';
import { exposure } from '../shared/audit/exposure.js';
import { recordHash } from '../shared/audit/record-hash.js';
import { verifyChain } from '../shared/audit/verify-chain.js';
import { createPrincipalKey } from '../shared/broker/credentials.js';
import { startNatsServer } from '../shared/broker/nats-server.js';
import { connectAs } from '../shared/bus/connect.js';
import { seededRandom } from '../shared/seeded-random.js';
import { REQUEST_REPORT_MS } from '../shared/service/request-ledger.js';
import { type Summary, summarise } from './stats.js';

/**
 * The audit log's figures: exposure-query latency over a large synthetic log (index built
 * once, queries answered from it), the index build and chain verification over the same
 * records, and append throughput to a real JetStream stream.
 */
const RECORDS = Number(process.env['XOAR_BENCH_AUDIT_RECORDS'] ?? 1_000_000);
const QUERIES = Number(process.env['XOAR_BENCH_AUDIT_QUERIES'] ?? 200);
const APPENDS = Number(process.env['XOAR_BENCH_AUDIT_APPENDS'] ?? 5_000);
const QUERY_TARGET_MS = 100;

const SERVICES: ServiceOnRecord[] = [
  { id: 'xs-state', role: 'xenstore-state' },
  { id: 'xs-logic', role: 'xenstore-logic' },
  { id: 'builder', role: 'builder' },
  { id: 'toolstack', role: 'toolstack' },
  ...['shared', '1', '2', '3'].flatMap((tenant) => [
    { id: `blk-${tenant}`, role: 'block' },
    { id: `net-${tenant}`, role: 'network' },
  ]),
];
const BACKENDS = SERVICES.filter((s) => s.role === 'block' || s.role === 'network').map((s) => s.id);
const ROLLED_BACK = SERVICES.filter((s) => s.role !== 'xenstore-state').map((s) => s.id);
/** Who sends requests to whom on a host (toolstack drives the builder; everything talks to XenStore). */
const REQUESTS: Array<[string, string]> = [
  ['toolstack', 'builder'],
  ['toolstack', 'xs-logic'],
  ['builder', 'xs-logic'],
  ['xs-logic', 'xs-state'],
  ...BACKENDS.map((backend): [string, string] => [backend, 'xs-logic']),
];
const START = Date.parse('2025-01-01T00:00:00.000Z');
/** One record every 2.6 s on average: a million records is about a month of a busy host. */
const MEAN_GAP_MS = 2_600;

const progress = (text: string) => process.stderr.write(`\r\x1b[2K${text}`);
const row = (label: string, value: string, reference: string) => console.log(`  ${label.padEnd(46)} ${value.padEnd(34)} ${reference}`);
const ms = (s: Summary) => `median ${s.median.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms (n=${s.n})`;

/** How often guests come and go in a synthetic log. */
interface Workload {
  label: string;
  /** Share of events that create or destroy a guest (five dependency records each). */
  guestEvents: number;
  /** Guests are created more often than destroyed below this many live, less often above. */
  liveGuests: number;
}

/** Some 60 guests running at a time, a few hundred created a day. */
const REALISTIC: Workload = { label: 'realistic mix', guestEvents: 0.01, liveGuests: 60 };
/** Guests created and destroyed all the time: tens of thousands over the log, most answers huge. */
const HEAVY_CHURN: Workload = { label: 'heavy guest churn', guestEvents: 0.28, liveGuests: 2_000 };

/**
 * A busy host's log, one event every 2.6 s on average: besides the guests coming and going
 * (`workload`), 60% requests between services, 30% timed rollbacks (each with its two
 * lifecycle records; every service but xenstore-state rolls back), 5% violations, 5% snapshots.
 * `chained`: with real `prev` hashes (for verifying), or not (faster to make).
 */
function syntheticLog(count: number, workload: Workload, chained: boolean): { records: AuditRecord[]; guests: number } {
  const next = seededRandom(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const records: AuditRecord[] = [];
  const live: Array<{ guest: string; edges: Array<[string, 'builder' | 'xenstore' | 'device']> }> = [];
  let now = START;
  let prev = GENESIS_HASH;
  let guests = 0;
  const push = (kind: AuditKind, component: string, data: Record<string, unknown>) => {
    const record: AuditRecord = { v: 1, host: 'bench', seq: records.length + 1, n: records.length + 1, prev, at: new Date(now).toISOString(), kind, component, data };
    if (chained) prev = recordHash(record);
    records.push(record);
  };
  const guestEvent = () => {
    const create = live.length === 0 || next() < (live.length < workload.liveGuests ? 0.75 : 0.25);
    if (create) {
      const guest = `g${++guests}`;
      const tenant = pick(['shared', '1', '2', '3']);
      const edges: Array<[string, 'builder' | 'xenstore' | 'device']> = [['builder', 'builder'], ['xs-logic', 'xenstore'], ['xs-state', 'xenstore'], [`blk-${tenant}`, 'device'], [`net-${tenant}`, 'device']];
      for (const [service, via] of edges) push(Kind.dependency, guest, { guest, service, via, edge: 'start' });
      live.push({ guest, edges });
    } else {
      const { guest, edges } = live.splice(Math.floor(next() * live.length), 1)[0] as (typeof live)[number];
      for (const [service, via] of edges) push(Kind.dependency, guest, { guest, service, via, edge: 'stop' });
    }
  };
  push(Kind.host, 'supervisor', { event: 'booting', services: SERVICES });
  while (records.length < count) {
    now += Math.round(next() * 2 * MEAN_GAP_MS);
    if (next() < workload.guestEvents) {
      guestEvent();
      continue;
    }
    const dice = next();
    if (dice < 0.6) {
      const [from, to] = pick(REQUESTS);
      // Services report what they accepted once a second: requests over the last second.
      push(Kind.request, to, { from, to, first: new Date(now - REQUEST_REPORT_MS).toISOString(), last: new Date(now).toISOString(), count: 10 });
    } else if (dice < 0.9) {
      const service = pick(ROLLED_BACK);
      push(Kind.lifecycle, service, { from: 'running', to: 'rollingBack' });
      push(Kind.lifecycle, service, { from: 'rollingBack', to: 'running' });
      push(Kind.rollback, service, { cause: 'timer' });
    } else if (dice < 0.95) {
      push(Kind.violation, pick(BACKENDS), { operation: 'publish', subject: 'xoar.bench.rpc.xs-state.write' });
    } else {
      push(Kind.snapshot, pick(ROLLED_BACK), { instance: 1, digest: 'sha256:0' });
    }
  }
  return { records: records.slice(0, count), guests };
}

function time<T>(work: () => T): { value: T; ms: number } {
  const began = performance.now();
  const value = work();
  return { value, ms: performance.now() - began };
}

async function appendThroughput(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'xoar-audit-bench-'));
  const writer = createPrincipalKey('supervisor');
  const everything = { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } };
  const server = await startNatsServer({ dir, authorization: { principals: [{ name: writer.name, nkey: writer.publicKey, permissions: everything }] } });
  const nc = await connectAs({ url: server.url, principal: writer.name, seed: writer.seed });
  try {
    const log = await AuditLog.open(nc, 'bench');
    const began = performance.now();
    await Promise.all(Array.from({ length: APPENDS }, (_, i) => log.append(Kind.lifecycle, 'blk-1', { from: 'running', to: 'rollingBack', instance: i })));
    return APPENDS / ((performance.now() - began) / 1000);
  } finally {
    await nc.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function buildIndex(records: readonly AuditRecord[]): { index: AuditIndex; ms: number } {
  const { value: index, ms } = time(() => {
    const built = new AuditIndex();
    for (const record of records) built.add(record);
    return built;
  });
  return { index, ms };
}

/** Exposure queries for random components and times over the log: latencies, and guests exposed on average. */
function queryLatencies(index: AuditIndex, end: number): { latencies: Summary; guests: number } {
  const next = seededRandom(7);
  const components = ['blk-shared', 'net-1', 'xs-logic', 'builder', 'toolstack'];
  const latencies: number[] = [];
  let exposed = 0;
  for (let i = 0; i < QUERIES; i++) {
    progress(`audit: exposure query ${i + 1}/${QUERIES}`);
    const since = new Date(START + next() * (end - START));
    const answer = time(() => exposure(index, { component: components[i % components.length] as string, since, now: new Date(end) }));
    latencies.push(answer.ms);
    exposed += answer.value.guests.length;
  }
  return { latencies: summarise(latencies), guests: Math.round(exposed / QUERIES) };
}

/**
 * The realistic log, indexed, checkpointed and verified; the records are dropped before the
 * queries, which run on the index loaded from the checkpoint, as `xoar audit exposure` does.
 */
function realisticIndex() {
  progress(`audit: generating ${RECORDS.toLocaleString('en')} chained records (${REALISTIC.label})`);
  const { records, guests } = syntheticLog(RECORDS, REALISTIC, true);
  progress('audit: building the index');
  const built = buildIndex(records);
  const save = time(() => JSON.stringify(built.index));
  const load = time(() => AuditIndex.fromJSON(JSON.parse(save.value)));
  progress('audit: verifying the chain');
  const verify = time(() => verifyChain(records));
  if (!verify.value.ok) throw new Error(`the synthetic log does not verify: ${verify.value.problem.message}`);
  return { index: load.value, end: lastAt(records), guests, buildMs: built.ms, saveMs: save.ms, loadMs: load.ms, checkpointBytes: save.value.length, verifyMs: verify.ms };
}

function churnIndex() {
  progress(`audit: generating ${RECORDS.toLocaleString('en')} records (${HEAVY_CHURN.label})`);
  const { records, guests } = syntheticLog(RECORDS, HEAVY_CHURN, false);
  return { index: buildIndex(records).index, end: lastAt(records), guests };
}

function lastAt(records: readonly AuditRecord[]): number {
  return Date.parse((records.at(-1) as AuditRecord).at);
}

export async function printAuditBench(): Promise<void> {
  const count = RECORDS.toLocaleString('en');
  const realistic = realisticIndex();
  const realisticQueries = queryLatencies(realistic.index, realistic.end);
  const churn = churnIndex();
  const churnQueries = queryLatencies(churn.index, churn.end);
  progress('audit: appending to JetStream');
  const appendsPerSecond = await appendThroughput();
  progress('');
  const days = ((realistic.end - START) / 86_400_000).toFixed(0);
  row(`audit exposure query, ${REALISTIC.label}`, ms(realisticQueries.latencies), `target < ${QUERY_TARGET_MS} ms; ${count} records, ${days} days, ${realistic.guests} guests, ${realisticQueries.guests} exposed on average`);
  row(`audit exposure query, ${HEAVY_CHURN.label}`, ms(churnQueries.latencies), `${count} records, ${churn.guests} guests, ${churnQueries.guests} exposed on average`);
  row(`audit index build (${count} records)`, `${realistic.buildMs.toFixed(0)} ms (${Math.round(RECORDS / (realistic.buildMs / 1000)).toLocaleString('en')} records/s)`, 'once, then incremental');
  row('audit index checkpoint save / load', `${realistic.saveMs.toFixed(0)} ms / ${realistic.loadMs.toFixed(0)} ms (${(realistic.checkpointBytes / 1e6).toFixed(1)} MB)`, 'JSON beside the host state');
  row(`audit chain verify (${count} records)`, `${realistic.verifyMs.toFixed(0)} ms`, 'sha256 over canonical JSON per record');
  row(`audit append to JetStream (${APPENDS.toLocaleString('en')} records)`, `${Math.round(appendsPerSecond).toLocaleString('en')} records/s`, 'serialised, each acknowledged durably');
}

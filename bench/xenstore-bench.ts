import { startCXenstored } from '../test/xenstore/support/c-xenstored.js';
import { benchPolicy, startBenchHost } from './bench-host.js';
import { serveXenstore } from '../test/xenstore/support/served-xenstore.js';
import type { Summary } from './stats.js';
import { benchXenstoreSocket } from './xenstore-client-bench.js';
import type { XenstoreSocketBench, XenstoreSocketBenchOptions } from './xenstore-client-bench.js';

const OPTIONS: XenstoreSocketBenchOptions = {
  samples: Number(process.env['XOAR_BENCH_XENSTORE_SAMPLES'] ?? 2000),
  pipelinedOps: Number(process.env['XOAR_BENCH_XENSTORE_OPS'] ?? 50_000),
  pipelineDepth: 64,
};

const row = (label: string, value: string, reference: string) => console.log(`  ${label.padEnd(46)} ${value.padEnd(34)} ${reference}`);
const micros = (s: Summary) => `median ${(s.median * 1000).toFixed(0)} µs, p99 ${(s.p99 * 1000).toFixed(0)} µs (n=${s.n})`;
const perSecond = (ops: number) => `${Math.round(ops).toLocaleString('en')} ops/s`;

/**
 * `npm run bench`'s XenStore rows: the same raw socket client against C xenstored 4.17 (bash
 * deploy/fetch-c-xenstored.sh), against our XenStore as a host runs it (the dom0 socket, relayed
 * over the bus to XenStore-Logic, which makes every change durable in XenStore-State before it
 * answers), and against our protocol code alone in-process (no split, nothing durable), in one run.
 */
export async function printXenstoreBench(): Promise<void> {
  const c = await measure(async () => {
    const daemon = await startCXenstored();
    return { socketPath: daemon.socketPath, stop: () => daemon.stop() };
  });
  const split = await measure(async () => {
    const host = await startBenchHost(await benchPolicy());
    const socket = host.supervisor.status().xenstore?.socket;
    if (socket === undefined) throw new Error('the bench policy has no XenStore');
    return { socketPath: socket, stop: () => host.dispose() };
  });
  const inProcess = await measure(async () => {
    const served = await serveXenstore();
    return { socketPath: served.socketPath, stop: () => served.close() };
  });
  const rows: Array<[string, (bench: XenstoreSocketBench) => string]> = [
    ['READ, one client', (b) => micros(b.readLatency)],
    ['WRITE, one client', (b) => micros(b.writeLatency)],
    ['transaction (start, write, commit)', (b) => micros(b.transactionLatency)],
    [`3:1 read/write, ${OPTIONS.pipelineDepth} pipelined`, (b) => perSecond(b.pipelinedOpsPerSecond)],
  ];
  for (const [what, figure] of rows) {
    row(`XenStore ${what}: Logic+State (host socket)`, figure(split), `C xenstored 4.17: ${figure(c)}`);
    row(`XenStore ${what}: protocol only, in-process`, figure(inProcess), '');
  }
}

async function measure(start: () => Promise<{ socketPath: string; stop: () => Promise<void> }>): Promise<XenstoreSocketBench> {
  const server = await start();
  try {
    return await benchXenstoreSocket(server.socketPath, OPTIONS);
  } finally {
    await server.stop();
  }
}

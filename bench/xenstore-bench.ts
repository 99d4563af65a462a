import { startCXenstored } from '../test/xenstore/support/c-xenstored.js';
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
 * `npm run bench`'s XenStore rows: the same raw socket client against our in-process XenStore
 * and against Debian's C xenstored 4.17 (bash deploy/fetch-c-xenstored.sh), in one run, side by side.
 */
export async function printXenstoreBench(): Promise<void> {
  const c = await measure(async () => {
    const daemon = await startCXenstored();
    return { socketPath: daemon.socketPath, stop: () => daemon.stop() };
  });
  const ours = await measure(async () => {
    const served = await serveXenstore();
    return { socketPath: served.socketPath, stop: () => served.close() };
  });
  const reference = (figure: string) => `C xenstored 4.17: ${figure}`;
  row('XenStore READ, one client, unix socket', micros(ours.readLatency), reference(micros(c.readLatency)));
  row('XenStore WRITE, one client, unix socket', micros(ours.writeLatency), reference(micros(c.writeLatency)));
  row('XenStore transaction (start, write, commit)', micros(ours.transactionLatency), reference(micros(c.transactionLatency)));
  row(`XenStore 3:1 read/write, ${OPTIONS.pipelineDepth} pipelined`, perSecond(ours.pipelinedOpsPerSecond), reference(perSecond(c.pipelinedOpsPerSecond)));
}

async function measure(start: () => Promise<{ socketPath: string; stop: () => Promise<void> }>): Promise<XenstoreSocketBench> {
  const server = await start();
  try {
    return await benchXenstoreSocket(server.socketPath, OPTIONS);
  } finally {
    await server.stop();
  }
}

/**
 * A client process for the rollback benchmark: pings one service back to back (a failed
 * request is retried at once) and records the time of every answer, until told to stop on
 * stdin; then prints the times (epoch ms, sub-ms resolution) as JSON on stdout. It runs apart
 * from the supervisor so that the supervisor's own work does not delay what it measures.
 */
import { setImmediate as yieldOnce } from 'node:timers/promises';
import { connectAs } from '../shared/bus/connect.js';
import { request } from '../shared/bus/rpc.js';
import { subjects } from '../shared/bus/subjects.js';
import { PING } from '../shared/service/run-service.js';

export interface GapClientSetup {
  url: string;
  seed: string;
  host: string;
  service: string;
  name: string;
}

/** A request the instance never answers (it was killed holding it) is given up this soon. */
const REQUEST_TIMEOUT_MS = 100;

const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const setup = await new Promise<GapClientSetup>((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) {
        process.stdin.off('data', onData);
        resolve(JSON.parse(text.slice(0, end)) as GapClientSetup);
      }
    };
    process.stdin.on('data', onData);
  });
  const nc = await connectAs({ url: setup.url, principal: 'supervisor', seed: setup.seed, name: setup.name });
  const subject = subjects.rpc(setup.host, setup.service, PING);
  const answers: number[] = [];
  let failures = 0;
  let running = true;
  process.stdin.once('data', () => (running = false));
  process.stdin.once('end', () => (running = false));
  process.stdout.write('ready\n');
  while (running) {
    try {
      await request(nc, subject, null, REQUEST_TIMEOUT_MS);
      answers.push(now());
    } catch {
      failures += 1;
      await yieldOnce();
    }
  }
  await nc.close();
  process.stdout.write(`${JSON.stringify({ answers, failures })}\n`);
}

await main();

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAs } from '../shared/bus/connect.js';
import { request } from '../shared/bus/rpc.js';
import { subjects } from '../shared/bus/subjects.js';
import { projectRoot } from '../shared/project-root.js';
import { PING } from '../shared/service/run-service.js';
import type { Supervisor } from '../services/supervisor/supervisor.js';
import type { GapClientSetup } from './gap-client.js';
import { type Summary, summarise } from './stats.js';

const now = () => performance.timeOrigin + performance.now();

/** One rollback as the bench saw it: from when it began to when the new instance ran. */
export interface RollbackWindow {
  began: number;
  ended: number;
}

/** Client processes pinging one service back to back, each recording when it got an answer. */
export class GapClients {
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(supervisor: Supervisor, service: string, count: number): Promise<GapClients> {
    const { url, seed } = supervisor.credentialsOf('supervisor');
    const entry = join(projectRoot(), 'dist', 'bench', 'gap-client.js');
    const children = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const child = spawn(process.execPath, [entry], { stdio: ['pipe', 'pipe', 'inherit'] });
        const setup: GapClientSetup = { url, seed, host: supervisor.policy.host.name, service, name: `gap-client-${i}` };
        child.stdin?.write(`${JSON.stringify(setup)}\n`);
        await new Promise<void>((resolve) => createInterface({ input: child.stdout! }).once('line', () => resolve()));
        return child;
      }),
    );
    await sleep(200);
    return new GapClients(children);
  }

  /** Stops the clients; per client, the times it got answers (ascending) and how many requests failed. */
  async stop(): Promise<Array<{ answers: number[]; failures: number }>> {
    return Promise.all(
      this.children.map(async (child) => {
        const lines = createInterface({ input: child.stdout! });
        const result = new Promise<string>((resolve) => lines.once('line', resolve));
        child.stdin?.end('stop\n');
        return JSON.parse(await result) as { answers: number[]; failures: number };
      }),
    );
  }
}

/**
 * The longest time a client went without an answer around each rollback: between the last
 * answer at or before it began and the first at or after it ended, the widest step; the worst
 * client counts.
 */
export function unavailability(clients: Array<{ answers: number[] }>, windows: RollbackWindow[]): Summary {
  return summarise(windows.map((window) => Math.max(...clients.map((client) => widestStep(client.answers, window)))));
}

function widestStep(answers: number[], { began, ended }: RollbackWindow): number {
  let widest = 0;
  for (let i = Math.max(0, lastAtOrBefore(answers, began)); i + 1 < answers.length; i++) {
    widest = Math.max(widest, (answers[i + 1] as number) - (answers[i] as number));
    if ((answers[i + 1] as number) >= ended) return widest;
  }
  return Number.POSITIVE_INFINITY; // no answer after the rollback: unavailable to the end
}

function lastAtOrBefore(sorted: number[], t: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** `operator` and `kill` roll back; `none` measures the same windows with nothing happening (the noise floor). */
export type RollbackHow = 'operator' | 'kill' | 'none';

/** `count` rollbacks of `service` one after another, each once a standby is ready (where it has them). */
export async function rollbackWindows(supervisor: Supervisor, service: string, how: RollbackHow, count: number, progress: (text: string) => void): Promise<RollbackWindow[]> {
  const windows: RollbackWindow[] = [];
  const statusOf = () => supervisor.status().services.find((s) => s.id === service);
  for (let i = 1; i <= count; i++) {
    progress(`${how} rollback of ${service} ${i}/${count}`);
    // A rollback begins only once the one before has left the host idle: its standby restored.
    for (;;) {
      const status = statusOf();
      if (status?.state === 'running' && (status.standbys === null || status.standbys >= 1)) break;
      await sleep(5);
    }
    await sleep(30);
    const before = statusOf();
    if (before?.pid === null || before?.pid === undefined) throw new Error(`${service} has no process`);
    const began = now();
    if (how === 'none') {
      await sleep(2);
    } else if (how === 'kill') {
      process.kill(before.pid, 'SIGKILL');
      for (;;) {
        const status = statusOf();
        if (status?.state === 'running' && status.instance > before.instance) break;
        await sleep(1);
      }
    } else {
      await supervisor.restart(service);
    }
    windows.push({ began, ended: now() });
  }
  return windows;
}

/**
 * Per-request rollback: `clients` loops send `ping` to a one-shot service for `seconds`, each
 * asking again at once when nobody serves (between two instances); answers per second, and
 * how many distinct instances gave them.
 */
export async function perRequestThroughput(supervisor: Supervisor, service: string, clients: number, seconds: number): Promise<{ perSecond: number; answers: number; instances: number; retries: number }> {
  const { url, seed } = supervisor.credentialsOf('supervisor');
  const nc = await connectAs({ url, principal: 'supervisor', seed, name: 'per-request-bench' });
  const subject = subjects.rpc(supervisor.policy.host.name, service, PING);
  const instances = new Set<number>();
  let answers = 0;
  let retries = 0;
  const began = now();
  const until = began + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (now() < until) {
        try {
          const answer = await request<{ instance: number }>(nc, subject, null, 2_000);
          answers += 1;
          instances.add(answer.instance);
        } catch {
          retries += 1;
          await sleep(1);
        }
      }
    }),
  );
  const elapsed = (now() - began) / 1000;
  await nc.close();
  return { perSecond: answers / elapsed, answers, instances: instances.size, retries };
}

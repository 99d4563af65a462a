import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockOp } from '../services/block/service.js';
import { connectAs } from '../shared/bus/connect.js';
import { StatusKind, WIRE_VERSION, type Reply, decodeMessage, encodeMessage } from '../shared/bus/messages.js';
import { request } from '../shared/bus/rpc.js';
import { subjects } from '../shared/bus/subjects.js';
import { PING } from '../shared/service/run-service.js';
import { connectOperator, createGuest, withTwoGuests } from './support/guest-host.js';
import { bootTestHost, eventually, isAlive, readHostAudit, type TestHost } from './support/test-host.js';

const ROLLBACKS = 200;
const CLIENTS = 8;
/** Each client waits this long between a reply and its next request: a modest, steady load. */
const PAUSE_MS = 20;
/** A request unanswered this long counts as lost. */
const LOST_AFTER_MS = 10_000;

interface Answer {
  instance: number;
  ok: boolean;
}

/**
 * A client that sends `ping` after `ping` with its own reply subject per request, so that it
 * sees every answer a request gets (a request answered twice would show), not just the first.
 */
async function startClient(host: TestHost, name: string) {
  const { url, seed } = host.supervisor.credentialsOf('supervisor');
  const nc: NatsConnection = await connectAs({ url, principal: 'supervisor', seed, name });
  const hostName = host.supervisor.policy.host.name;
  const inbox = `${subjects.inboxPrefix('supervisor')}.${name}`;
  const answers = new Map<number, Answer[]>();
  const waiting = new Map<number, () => void>();
  nc.subscribe(`${inbox}.*`, {
    callback: (_error, msg) => {
      const seq = Number(msg.subject.slice(inbox.length + 1));
      const reply = decodeMessage<Reply<{ instance: number }>>(msg.data);
      const answer = { instance: reply?.ok ? reply.result.instance : -1, ok: reply?.ok === true };
      answers.set(seq, [...(answers.get(seq) ?? []), answer]);
      waiting.get(seq)?.();
    },
  });
  await nc.flush();
  let sent = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const seq = ++sent;
      const answered = new Promise<void>((resolve) => waiting.set(seq, resolve));
      nc.publish(subjects.rpc(hostName, 'toolstack', PING), encodeMessage(null), { reply: `${inbox}.${seq}` });
      await Promise.race([answered, sleep(LOST_AFTER_MS)]);
      waiting.delete(seq);
      await sleep(PAUSE_MS);
    }
  })();
  return {
    answers,
    get sent() {
      return sent;
    },
    async stop() {
      running = false;
      await loop;
      // Time for a late second answer, were there one.
      await sleep(200);
      await nc.close();
    },
  };
}

describe('make-before-break rollback', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  it(`rolls a service back ${ROLLBACKS} times under load from ${CLIENTS} clients: no request failed or lost, each answered by exactly one instance`, { timeout: 240_000 }, async () => {
    host = await bootTestHost((policy) => {
      policy['restartBudget'] = { maxRestarts: 50, within: '60s', backoff: { initial: '10ms', max: '100ms' } };
      // Each toolstack instance checks at start that the builder answers: a per-request builder would roll back 200 times too.
      policy['services'].find((s: { id: string }) => s.id === 'builder').restart = 'never';
    }, { standbys: 2 });
    const supervisor = host.supervisor;
    const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => startClient(host as TestHost, `load${i}`)));
    const pids: number[] = [];
    const instances = new Set<number>();
    for (let i = 0; i < ROLLBACKS; i++) {
      const before = supervisor.status().services.find((s) => s.id === 'toolstack');
      pids.push(before?.pid as number);
      instances.add(before?.instance as number);
      const after = await supervisor.restart('toolstack');
      expect(after.instance).toBeGreaterThan(before?.instance as number);
    }
    const last = supervisor.status().services.find((s) => s.id === 'toolstack');
    instances.add(last?.instance as number);
    await Promise.all(clients.map((client) => client.stop()));

    const sent = clients.reduce((sum, client) => sum + client.sent, 0);
    const problems = clients.flatMap((client, c) =>
      Array.from({ length: client.sent }, (_, i) => i + 1).flatMap((seq) => {
        const got = client.answers.get(seq) ?? [];
        return got.length === 1 && got[0]?.ok ? [] : [{ client: c, seq, answers: got }];
      }),
    );
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(ROLLBACKS);
    // Every rollback put a new instance in place, and the requests were spread over them.
    expect(last).toMatchObject({ state: 'running', restarts: ROLLBACKS, rollback: 'make-before-break' });
    const served = new Set(clients.flatMap((client) => [...client.answers.values()].flatMap((got) => got.map((a) => a.instance))));
    for (const instance of served) expect(instances.has(instance)).toBe(true);
    expect(served.size).toBeGreaterThan(ROLLBACKS / 2);
    expect(pids.filter(isAlive)).toEqual([]);

    const rollbacks = (await readHostAudit(host)).filter((r) => r.kind === 'rollback' && r.component === 'toolstack');
    expect(rollbacks).toHaveLength(ROLLBACKS);
    expect(rollbacks.every((r) => r.data['kind'] === 'make-before-break' && r.data['cause'] === 'operator')).toBe(true);
  });

  it('records every snapshot digest in the audit stream, and retakes a snapshot on request', async () => {
    host = await bootTestHost();
    const before = host.supervisor.status().services.find((s) => s.id === 'toolstack');
    const after = await host.supervisor.snapshot('toolstack');
    expect(after.snapshot?.digest).toBe(before?.snapshot?.digest);
    expect(Date.parse(after.snapshot?.takenAt as string)).toBeGreaterThanOrEqual(Date.parse(before?.snapshot?.takenAt as string));
    const snapshots = (await readHostAudit(host)).filter((r) => r.kind === 'snapshot' && r.component === 'toolstack');
    expect(snapshots.map((r) => r.data)).toEqual([
      { instance: 1, digest: before?.snapshot?.digest },
      { instance: 1, digest: before?.snapshot?.digest },
    ]);
    // Kept on disk beside the host's other state, without the instance's secret.
    const file = join(host.supervisor.paths.snapshotDir, 'toolstack.json');
    const stored = await eventually(() => JSON.parse(readFileSync(file, 'utf8')), 'the snapshot to be on disk');
    expect(stored).toMatchObject({ digest: before?.snapshot?.digest, spec: { id: 'toolstack', role: 'toolstack' } });
    expect(JSON.stringify(stored)).not.toContain(host.supervisor.credentialsOf('toolstack').seed);
    // A standby restored from the retaken snapshot takes over at the next rollback.
    const rolled = await host.supervisor.restart('toolstack');
    expect(rolled).toMatchObject({ state: 'running', rollback: 'make-before-break' });
    expect(rolled.instance).toBeGreaterThan(1);
  });

  it('rolls a per-request service (builder, onRequest) back after every request: each is answered by a fresh instance', async () => {
    host = await bootTestHost(undefined, { standbys: 2 });
    expect(host.supervisor.status().services.find((s) => s.id === 'builder')).toMatchObject({ rollback: 'per-request' });
    const { url, seed } = host.supervisor.credentialsOf('supervisor');
    const nc = await connectAs({ url, principal: 'supervisor', seed, name: 'per-request-client' });
    const name = host.supervisor.policy.host.name;
    try {
      const served: number[] = [];
      for (let i = 0; i < 8; i++) {
        // Between two instances nobody serves for a moment: the broker says "no responders" at once, and the client asks again.
        const answer = await eventually(() => request<{ instance: number }>(nc, subjects.rpc(name, 'builder', PING), null, 2_000), `request ${i} to be answered`);
        served.push(answer.instance);
      }
      expect(new Set(served).size).toBe(served.length);
      const rollbacks = await eventually(async () => {
        const records = (await readHostAudit(host as TestHost)).filter((r) => r.kind === 'rollback' && r.component === 'builder' && r.data['cause'] === 'request');
        return records.length >= served.length ? records : undefined;
      }, 'a rollback per request');
      expect(rollbacks.every((r) => r.data['kind'] === 'make-before-break')).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it('keeps XenStore-Logic on its own takeover path (replace), and says so', async () => {
    host = await bootTestHost();
    const logic = host.supervisor.status().services.find((s) => s.id === 'xs-logic');
    expect(logic).toMatchObject({ rollback: 'replace', standbys: null });
  });
});

describe('recovery box', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  const listOf = (nc: NatsConnection, hostName: string) => request<{ instance: number; open: unknown[]; inherited: unknown[] }>(nc, subjects.rpc(hostName, 'blk', BlockOp.list), null);

  it("hands the block backend's open-device table to the instance that takes over", async () => {
    host = await bootTestHost(withTwoGuests);
    const { url, seed } = host.supervisor.credentialsOf('supervisor');
    const nc = await connectAs({ url, principal: 'supervisor', seed, name: 'box-client' });
    const operator = await connectOperator(host.supervisor);
    try {
      const name = host.supervisor.policy.host.name;
      await createGuest(operator, name, 'a');
      // The box travels on the status subject: give the supervisor a moment to have it.
      await eventually(async () => ((await listOf(nc, name)).open.length === 1 ? true : undefined), "a's disk to be open");
      await host.supervisor.audit.flush();
      await sleep(50);
      const rolled = await host.supervisor.restart('blk');
      expect(await listOf(nc, name)).toMatchObject({ instance: rolled.instance, inherited: [{ device: '51712', guest: 'a' }] });
      const record = (await readHostAudit(host)).find((r) => r.kind === 'rollback' && r.component === 'blk');
      expect(record?.data).toMatchObject({ kind: 'make-before-break', recoveryBox: 'handed' });
    } finally {
      await operator.close();
      await nc.close();
    }
  });

  it('refuses a malformed box the old instance wrote, records it, and starts the new instance clean', async () => {
    host = await bootTestHost((policy) => {
      policy['services'].find((s: { id: string }) => s.id === 'blk').restart = 'never';
    });
    const name = host.supervisor.policy.host.name;
    const supervisorCreds = host.supervisor.credentialsOf('supervisor');
    const client = await connectAs({ url: supervisorCreds.url, principal: 'supervisor', seed: supervisorCreds.seed, name: 'box-client' });
    // The old instance, compromised: it writes garbage into its box with its own credentials (the
    // only ones that may publish on its status subject).
    const blk = host.supervisor.credentialsOf('blk');
    const compromised = await connectAs({ url: blk.url, principal: 'blk', seed: blk.seed, name: 'blk-compromised' });
    try {
      const old = host.supervisor.status().services.find((s) => s.id === 'blk');
      await sleep(50);
      const garbage = { v: 1, open: [{ device: '../../../dev/sda', guest: 'guest-a; rm -rf /' }], payload: 'x'.repeat(100) };
      compromised.publish(subjects.serviceStatus(name, 'blk'), encodeMessage({ v: WIRE_VERSION, kind: StatusKind.box, instance: old?.instance, box: garbage }));
      await compromised.flush();
      await sleep(50);

      const rolled = await host.supervisor.restart('blk');
      expect(await listOf(client, name)).toEqual({ instance: rolled.instance, open: [], inherited: [] });
      const records = await readHostAudit(host);
      const refused = records.find((r) => r.kind === 'recovery-box' && r.component === 'blk');
      expect(refused?.data).toMatchObject({ writtenBy: old?.instance, handedTo: rolled.instance });
      expect((refused?.data['problems'] as string[]).join('\n')).toMatch(/must NOT have additional properties|must match pattern/);
      expect(records.find((r) => r.kind === 'rollback' && r.component === 'blk')?.data).toMatchObject({ recoveryBox: 'rejected' });
      // Garbage is not handed to a later instance either: the next one starts clean too, with nothing refused.
      await host.supervisor.restart('blk');
      expect((await listOf(client, name)).open).toEqual([]);
      expect((await readHostAudit(host)).filter((r) => r.kind === 'recovery-box')).toHaveLength(1);
    } finally {
      await compromised.close();
      await client.close();
    }
  });
});

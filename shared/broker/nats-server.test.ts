import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect as connectTcp, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { fromSeed } from '@nats-io/nkeys';
import { PermissionViolationError } from '@nats-io/transport-node';
import type { NatsConnection, Status } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAs } from '../bus/connect.js';
import { subjects } from '../bus/subjects.js';
import { isProcessAlive } from '../process-alive.js';
import type { Authorization, Permissions, Principal } from './authorization.js';
import { createPrincipalKey } from './credentials.js';
import type { PrincipalKey } from './credentials.js';
import { BrokerPortInUseError, BrokerReloadError, BrokerStartError, NatsServerNotFoundError } from './errors.js';
import { startNatsServer } from './nats-server.js';
import type { NatsServer, PrincipalViolation } from './nats-server.js';

const alice = createPrincipalKey('alice');
const bob = createPrincipalKey('bob');
const mallory = createPrincipalKey('mallory');

const asPrincipal = (key: PrincipalKey, permissions: Permissions): Principal => ({ name: key.name, nkey: key.publicKey, permissions });

/** alice may call bob's rpc and publish her status; bob answers rpc and may not publish anything else. */
const baseAuthorization: Authorization = {
  principals: [
    asPrincipal(alice, {
      publish: { allow: ['xoar.h.rpc.bob.>', 'xoar.h.svc.alice.status', '$JS.API.>'] },
      subscribe: { allow: [subjects.inboxAll('alice'), 'xoar.h.svc.*.status'] },
    }),
    asPrincipal(bob, { publish: { allow: [] }, subscribe: { allow: ['xoar.h.rpc.bob.>', subjects.inboxAll('bob')] }, allowResponses: true }),
    asPrincipal(mallory, { publish: { allow: ['xoar.h.svc.mallory.status'] }, subscribe: { allow: [subjects.inboxAll('mallory')] } }),
  ],
};

function withPermissions(authorization: Authorization, name: string, permissions: Permissions): Authorization {
  return { principals: authorization.principals.map((p) => (p.name === name ? { ...p, permissions } : p)) };
}


/** Resolves with the first status of `type` the connection reports. */
async function nextStatus(nc: NatsConnection, type: Status['type']): Promise<Status> {
  for await (const status of nc.status()) if (status.type === type) return status;
  throw new Error(`connection closed before a ${type} status`);
}

function nextViolation(server: NatsServer): Promise<PrincipalViolation> {
  return new Promise((resolve) => {
    const unsubscribe = server.onViolation((violation) => {
      unsubscribe();
      resolve(violation);
    });
  });
}

describe('startNatsServer', () => {
  let dir: string;
  const servers: NatsServer[] = [];
  const connections: NatsConnection[] = [];
  const blockers: Server[] = [];

  const start = async (authorization: Authorization = baseAuthorization, port?: number) => {
    const server = await startNatsServer({ dir, authorization, port });
    servers.push(server);
    return server;
  };
  const connect = async (server: NatsServer, key: PrincipalKey) => {
    const nc = await connectAs({ url: server.url, principal: key.name, seed: key.seed, reconnect: false });
    connections.push(nc);
    return nc;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-broker-'));
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((nc) => nc.close()));
    const stopped = servers.splice(0);
    await Promise.all(stopped.map((server) => server.stop()));
    for (const server of stopped) expect(!isProcessAlive(server.pid)).toBe(true);
    await Promise.all(blockers.splice(0).map((blocker) => new Promise((resolve) => blocker.close(resolve))));
    await rm(dir, { recursive: true, force: true });
  });

  it('starts on a free port with a private config and answers permitted traffic', async () => {
    const server = await start();
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(server.port).not.toBe(4222);
    expect((await stat(join(dir, 'nats.conf'))).mode & 0o777).toBe(0o600);
    expect(server.recentLog().some((line) => line.includes('Server is ready'))).toBe(true);
    expect(server.recentLog().some((line) => /http monitor/i.test(line))).toBe(false);

    const a = await connect(server, alice);
    const b = await connect(server, bob);
    const statuses = a.subscribe('xoar.h.svc.*.status', { max: 1 });
    const answering = (async () => {
      for await (const request of b.subscribe('xoar.h.rpc.bob.echo', { max: 1 })) request.respond(request.data);
    })();
    await b.flush();

    const reply = await a.request('xoar.h.rpc.bob.echo', 'ping', { timeout: 5_000 });
    expect(reply.string()).toBe('ping');
    await answering;

    a.publish('xoar.h.svc.alice.status', 'up');
    for await (const message of statuses) expect(message.string()).toBe('up');
  });

  it("accepts a client that authenticates later than nats-server's default 2 s, as one on a busy host does", async () => {
    const server = await start();
    const socket = connectTcp(server.port, '127.0.0.1');
    try {
      const lines = createInterface({ input: socket })[Symbol.asyncIterator]();
      const info = JSON.parse(String((await lines.next()).value).replace(/^INFO /, '')) as { nonce: string };
      await sleep(3_000);
      const sig = Buffer.from(fromSeed(new TextEncoder().encode(alice.seed)).sign(new TextEncoder().encode(info.nonce))).toString('base64');
      socket.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, nkey: alice.publicKey, sig })}\r\nPING\r\n`);
      expect((await lines.next()).value).toBe('PONG');
    } finally {
      socket.destroy();
    }
  });

  it('refuses a publish outside the allow-list and reports the exact nkey and subject', async () => {
    const server = await start();
    const b = await connect(server, bob);
    const violation = nextViolation(server);
    const refused = nextStatus(b, 'error');

    b.publish('xoar.h.svc.alice.status', 'forged');

    const status = await refused;
    expect(status.type === 'error' && status.error).toBeInstanceOf(PermissionViolationError);
    expect(status).toMatchObject({ error: { operation: 'publish', subject: 'xoar.h.svc.alice.status' } });
    expect(await violation).toMatchObject({ operation: 'publish', nkey: bob.publicKey, principal: 'bob', subject: 'xoar.h.svc.alice.status' });
    expect(b.isClosed()).toBe(false);
  });

  it('refuses a subscription outside the allow-list', async () => {
    const server = await start();
    const m = await connect(server, mallory);
    const violation = nextViolation(server);
    const refused = nextStatus(m, 'error');

    m.subscribe('xoar.h.rpc.bob.>');

    expect(await refused).toMatchObject({ error: { operation: 'subscription', subject: 'xoar.h.rpc.bob.>' } });
    expect(await violation).toMatchObject({ operation: 'subscribe', nkey: mallory.publicKey, principal: 'mallory', subject: 'xoar.h.rpc.bob.>' });
  });

  it("does not let a principal read another principal's inbox", async () => {
    const server = await start();
    const m = await connect(server, mallory);
    const violation = nextViolation(server);

    m.subscribe(subjects.inboxAll('alice'));

    expect(await violation).toMatchObject({ operation: 'subscribe', principal: 'mallory', subject: '_INBOX.alice.>' });
  });

  it('grants and revokes on reload while connections stay open', async () => {
    const server = await start();
    const m = await connect(server, mallory);
    const a = await connect(server, alice);
    const disconnects: string[] = [];
    void (async () => {
      for await (const status of m.status()) if (status.type === 'disconnect' || status.type === 'reconnect') disconnects.push(status.type);
    })();
    const statuses = a.subscribe('xoar.h.svc.*.status');
    await a.flush();

    const granted = withPermissions(baseAuthorization, 'mallory', {
      publish: { allow: ['xoar.h.svc.mallory.status', 'xoar.h.svc.alice.status'] },
      subscribe: { allow: [subjects.inboxAll('mallory')] },
    });
    await server.reload(granted);
    m.publish('xoar.h.svc.alice.status', 'granted');
    const first = await statuses[Symbol.asyncIterator]().next();
    expect(first.value?.string()).toBe('granted');

    await server.reload(baseAuthorization);
    const violation = nextViolation(server);
    m.publish('xoar.h.svc.alice.status', 'revoked');
    expect(await violation).toMatchObject({ principal: 'mallory', subject: 'xoar.h.svc.alice.status' });

    await m.flush();
    expect(m.isClosed()).toBe(false);
    expect(disconnects).toEqual([]);
    expect(server.recentLog().filter((line) => line.includes('Reloaded server configuration'))).toHaveLength(2);
  });

  it('runs concurrent reloads one after the other, the last one winning', async () => {
    const server = await start();
    const m = await connect(server, mallory);
    const grant = (subject: string) =>
      withPermissions(baseAuthorization, 'mallory', { publish: { allow: [subject] }, subscribe: { allow: [subjects.inboxAll('mallory')] } });

    await Promise.all([server.reload(grant('first')), server.reload(grant('second')), server.reload(grant('third'))]);

    expect(server.recentLog().filter((line) => line.includes('Reloaded server configuration'))).toHaveLength(3);
    expect(await readFile(join(dir, 'nats.conf'), 'utf8')).toContain('"third"');
    const violation = nextViolation(server);
    m.publish('second', 'x');
    expect(await violation).toMatchObject({ subject: 'second' });
  });

  it('rejects a reload the server refuses, and keeps the previous permissions', async () => {
    const server = await start();
    const broken: Authorization = { principals: [...baseAuthorization.principals, { ...baseAuthorization.principals[0]!, nkey: 'not-an-nkey' }] };

    const error = await server.reload(broken).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerReloadError);
    expect((error as BrokerReloadError).message).toContain('nkey');
    expect(await readFile(join(dir, 'nats.conf'), 'utf8')).not.toContain('not-an-nkey');
    const a = await connect(server, alice);
    await a.flush();
    await server.reload(baseAuthorization);
  });

  it('rejects a reload once the server is gone', async () => {
    const server = await start();
    await server.stop();
    await expect(server.reload(baseAuthorization)).rejects.toThrow(BrokerReloadError);
  });

  it('serves JetStream file streams to an allowed principal', async () => {
    const server = await start();
    const a = await connect(server, alice);
    const jsm = await jetstreamManager(a);

    await jsm.streams.add({ name: 'STATUS', subjects: ['xoar.h.svc.alice.status'], storage: 'file' });
    await a.request('xoar.h.svc.alice.status', 'up', { timeout: 5_000 });

    expect((await jsm.streams.info('STATUS')).state.messages).toBe(1);
    expect((await stat(join(dir, 'jetstream'))).isDirectory()).toBe(true);
  });

  it('fails with BrokerPortInUseError when the port asked for is taken', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;

    const error = await start(baseAuthorization, port).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerPortInUseError);
    expect((error as BrokerPortInUseError).message).toContain(`127.0.0.1:${port}`);
  });

  it('fails with BrokerStartError, showing the log, when the server rejects its config', async () => {
    const broken: Authorization = { principals: [{ ...baseAuthorization.principals[0]!, nkey: 'not-an-nkey' }] };

    const error = await start(broken).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerStartError);
    expect((error as BrokerStartError).message).toMatch(/exited .* before it was ready/);
    expect((error as BrokerStartError).logTail.join('\n')).toContain('nkey');
  });

  it('fails with BrokerStartError when the binary exits at once, and gives it only PATH', async () => {
    const fake = join(dir, 'fake-nats-server');
    await writeFile(fake, '#!/bin/sh\necho "environment: $(env | cut -d= -f1 | sort | tr \'\\n\' \' \')" >&2\nexit 3\n');
    await chmod(fake, 0o755);

    const error = await startNatsServer({ dir, authorization: baseAuthorization, binary: fake }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerStartError);
    expect((error as BrokerStartError).message).toContain('exit code 3');
    const environment = (error as BrokerStartError).logTail.find((line) => line.startsWith('environment:'));
    expect(environment?.split(' ').filter((name) => !['environment:', '', 'PWD', 'SHLVL', '_'].includes(name))).toEqual(['PATH']);
  });

  it('fails with NatsServerNotFoundError for a binary that does not exist', async () => {
    await expect(startNatsServer({ dir, authorization: baseAuthorization, binary: join(dir, 'no-nats-server') })).rejects.toThrow(
      NatsServerNotFoundError,
    );
  });

  it('stops: no process is left, stop is idempotent, exit listeners hear of it', async () => {
    const server = await start();
    const exited = new Promise((resolve) => server.onExit(resolve));

    await Promise.all([server.stop(), server.stop()]);
    await server.stop();

    expect(!isProcessAlive(server.pid)).toBe(true);
    expect(await exited).toMatchObject({ signal: null });
  });

  it('tells exit listeners when the server dies on its own', async () => {
    const server = await start();
    const exited = new Promise((resolve) => server.onExit(resolve));
    const unsubscribed = { called: false };
    server.onExit(() => {
      unsubscribed.called = true;
    })();

    process.kill(server.pid, 'SIGKILL');

    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(unsubscribed.called).toBe(false);
  });
});

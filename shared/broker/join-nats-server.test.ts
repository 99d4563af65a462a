import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAs } from '../bus/connect.js';
import { subjects } from '../bus/subjects.js';
import type { Authorization, Permissions, Principal } from './authorization.js';
import { createPrincipalKey } from './credentials.js';
import type { PrincipalKey } from './credentials.js';
import { BrokerJoinError, BrokerReloadError, BrokerSignalError } from './errors.js';
import { findFreePort } from './free-port.js';
import { joinNatsServer, parseNatsUrl } from './join-nats-server.js';
import { isProcessAlive } from '../process-alive.js';
import { type OperatorServer, startOperatorServer } from './testing/operator-nats-server.js';
import type { JoinNatsServerOptions } from './join-nats-server.js';
import type { NatsServer, PrincipalViolation } from './nats-server.js';
import { renderAuthorization } from './render-config.js';

const alice = createPrincipalKey('alice');
const bob = createPrincipalKey('bob');

const asPrincipal = (key: PrincipalKey, permissions: Permissions): Principal => ({ name: key.name, nkey: key.publicKey, permissions });

/** alice reads every status; bob may publish only his own. */
const baseAuthorization: Authorization = {
  principals: [
    asPrincipal(alice, { publish: { allow: ['xoar.h.svc.alice.status'] }, subscribe: { allow: ['xoar.h.svc.*.status', subjects.inboxAll('alice')] } }),
    asPrincipal(bob, { publish: { allow: ['xoar.h.svc.bob.status'] }, subscribe: { allow: [subjects.inboxAll('bob')] } }),
  ],
};

function withPermissions(authorization: Authorization, name: string, permissions: Permissions): Authorization {
  return { principals: authorization.principals.map((p) => (p.name === name ? { ...p, permissions } : p)) };
}


function nextViolation(server: NatsServer): Promise<PrincipalViolation> {
  return new Promise((resolve) => {
    const unsubscribe = server.onViolation((violation) => {
      unsubscribe();
      resolve(violation);
    });
  });
}

/** Polls until `check` holds; the deadline only stops a broken test from hanging. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`never happened: ${what}`);
}

const readOr = (path: string) => readFile(path, 'utf8').catch(() => '');

describe('joinNatsServer', () => {
  let dir: string;
  let operator: OperatorServer;
  const joined: NatsServer[] = [];
  const connections: NatsConnection[] = [];
  const listeners: Server[] = [];

  const join_ = async (overrides: Partial<JoinNatsServerOptions> = {}) => {
    const server = await joinNatsServer({
      url: operator.url,
      authorizationFile: operator.authorizationFile,
      pidFile: operator.pidFile,
      logFile: operator.logFile,
      authorization: baseAuthorization,
      ...overrides,
    });
    joined.push(server);
    return server;
  };
  const connect = async (key: PrincipalKey) => {
    const nc = await connectAs({ url: operator.url, principal: key.name, seed: key.seed, reconnect: false });
    connections.push(nc);
    return nc;
  };
  const reloadCount = async () => (await readOr(operator.logFile)).split('Reloaded server configuration').length - 1;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-join-'));
    operator = await startOperatorServer(dir);
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((nc) => nc.close()));
    await Promise.all(joined.splice(0).map((server) => server.stop()));
    await Promise.all(listeners.splice(0).map((listener) => new Promise((resolve) => listener.close(resolve))));
    if (operator.child.exitCode === null && operator.child.signalCode === null) operator.child.kill('SIGTERM');
    await operator.exited;
    expect(isProcessAlive(operator.pid)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes only the authorization block, privately, and the server enforces it as soon as the join resolves', async () => {
    const server = await join_();

    expect(server).toMatchObject({ url: operator.url, port: operator.port, pid: operator.pid });
    expect((await stat(operator.authorizationFile)).mode & 0o777).toBe(0o600);
    const written = await readFile(operator.authorizationFile, 'utf8');
    expect(written).toContain(renderAuthorization(baseAuthorization));
    expect(written).not.toMatch(/^\s*(listen|server_name|jetstream|include)/m);
    expect(server.recentLog().some((line) => line.includes('Reloaded server configuration'))).toBe(true);

    const a = await connect(alice);
    const b = await connect(bob);
    const statuses = a.subscribe('xoar.h.svc.*.status', { max: 1 });
    await a.flush();
    b.publish('xoar.h.svc.bob.status', 'up');
    for await (const message of statuses) expect(message.string()).toBe('up');

    const violation = nextViolation(server);
    b.publish('xoar.h.svc.alice.status', 'forged');
    expect(await violation).toMatchObject({ operation: 'publish', principal: 'bob', nkey: bob.publicKey, subject: 'xoar.h.svc.alice.status' });
    expect(b.isClosed()).toBe(false);
  });

  it('reloads changed permissions without dropping connections', async () => {
    const server = await join_();
    const a = await connect(alice);
    const b = await connect(bob);
    const disconnects: string[] = [];
    void (async () => {
      for await (const status of b.status()) if (status.type === 'disconnect' || status.type === 'reconnect') disconnects.push(status.type);
    })();
    const statuses = a.subscribe('xoar.h.svc.alice.status');
    await a.flush();

    await server.reload(
      withPermissions(baseAuthorization, 'bob', { publish: { allow: ['xoar.h.svc.bob.status', 'xoar.h.svc.alice.status'] }, subscribe: { allow: [] } }),
    );
    b.publish('xoar.h.svc.alice.status', 'granted');
    expect((await statuses[Symbol.asyncIterator]().next()).value?.string()).toBe('granted');

    await server.reload(baseAuthorization);
    const violation = nextViolation(server);
    b.publish('xoar.h.svc.alice.status', 'revoked');
    expect(await violation).toMatchObject({ principal: 'bob', subject: 'xoar.h.svc.alice.status' });

    await b.flush();
    expect(b.isClosed()).toBe(false);
    expect(disconnects).toEqual([]);
  });

  it('rejects a file the server refuses, and puts back the one it runs', async () => {
    const server = await join_();
    const before = await readFile(operator.authorizationFile, 'utf8');
    const broken: Authorization = { principals: [...baseAuthorization.principals, { ...baseAuthorization.principals[0]!, name: 'eve', nkey: 'not-an-nkey' }] };

    const error = await server.reload(broken).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerReloadError);
    expect((error as BrokerReloadError).message).toContain('nkey');
    expect(await readFile(operator.authorizationFile, 'utf8')).toBe(before);
    await (await connect(alice)).flush();
    await server.reload(baseAuthorization);
  });

  it('without a pid file: joins, but a reload fails saying the server cannot be told', async () => {
    const server = await join_({ pidFile: undefined, logFile: undefined });
    expect(server.pid).toBe(-1);
    expect(server.recentLog()).toEqual([]);
    server.onViolation(() => undefined)();

    const error = await server.reload(baseAuthorization).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerSignalError);
    expect(error).toMatchObject({ code: 'broker-cannot-signal' });
    expect((error as BrokerSignalError).message).toContain(`cannot tell the nats-server at ${operator.url} to reload: no pid file`);
    expect((error as BrokerSignalError).hint).toContain('--nats-pid-file');
    // The file is written, for the operator to load.
    expect(await readFile(operator.authorizationFile, 'utf8')).toContain(bob.publicKey);
  });

  it('without a log file: resolves once the server is signalled, and the server applies the file', async () => {
    const reloadsBefore = await reloadCount();
    const server = await join_({ logFile: undefined });
    await eventually(async () => (await reloadCount()) > reloadsBefore, 'the server reloads');
    await (await connect(alice)).flush();
    expect(server.recentLog()).toEqual([]);
  });

  it('fails with BrokerJoinError when nothing answers at the url, and writes nothing', async () => {
    const port = await findFreePort('127.0.0.1');
    const url = `nats://127.0.0.1:${port}`;
    const before = await readFile(operator.authorizationFile, 'utf8');

    const error = await join_({ url }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerJoinError);
    expect(error).toMatchObject({ code: 'broker-join-failed', url });
    expect((error as BrokerJoinError).message).toContain(`cannot join the nats-server at ${url}: nothing answers`);
    expect(await readFile(operator.authorizationFile, 'utf8')).toBe(before);
  });

  it('fails with BrokerJoinError when what answers is not a NATS server', async () => {
    const listener = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    listeners.push(listener);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const url = `nats://127.0.0.1:${(listener.address() as AddressInfo).port}`;

    await expect(join_({ url })).rejects.toThrow(/not a NATS server/);
  });

  it('fails with BrokerJoinError when the log or pid file is not there', async () => {
    await expect(join_({ logFile: join(dir, 'missing.log') })).rejects.toThrow(BrokerJoinError);
    await expect(join_({ pidFile: join(dir, 'missing.pid') })).rejects.toThrow(/cannot read its pid from .*missing\.pid/);
  });

  it('stop() leaves the operator server running, and is idempotent', async () => {
    const server = await join_();
    await Promise.all([server.stop(), server.stop()]);
    await server.stop();

    expect(isProcessAlive(operator.pid)).toBe(true);
    await (await connect(alice)).flush();
    await expect(server.reload(baseAuthorization)).rejects.toThrow(BrokerReloadError);
  });

  it('tells exit listeners when the operator server goes away', async () => {
    const server = await join_();
    const exited = new Promise((resolve) => server.onExit(resolve));

    operator.child.kill('SIGKILL');

    expect(await exited).toEqual({ code: null, signal: null });
  });
});

describe('parseNatsUrl', () => {
  it('reads host and port, with 4222 by default and IPv6 unbracketed', () => {
    expect(parseNatsUrl('nats://10.0.0.2:4333')).toEqual({ host: '10.0.0.2', port: 4333 });
    expect(parseNatsUrl('nats://nats.example')).toEqual({ host: 'nats.example', port: 4222 });
    expect(parseNatsUrl('tls://[::1]:4333')).toEqual({ host: '::1', port: 4333 });
    expect(parseNatsUrl('127.0.0.1:4333')).toEqual({ host: '127.0.0.1', port: 4333 });
  });

  it('refuses what is not a NATS url', () => {
    expect(() => parseNatsUrl('http://127.0.0.1:4222')).toThrow(BrokerJoinError);
    expect(() => parseNatsUrl('nats://')).toThrow(BrokerJoinError);
  });
});

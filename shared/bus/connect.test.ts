import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrincipalKey } from '../broker/credentials.js';
import { startNatsServer } from '../broker/nats-server.js';
import type { NatsServer } from '../broker/nats-server.js';
import { BrokerAuthError, BrokerUnreachableError, InvalidSeedError, connectAs } from './connect.js';
import { subjects } from './subjects.js';

const service = createPrincipalKey('blk-shared');
const stranger = createPrincipalKey('stranger');

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('connectAs', () => {
  let dir: string;
  let server: NatsServer;

  const logListeners = new Set<(line: string) => void>();
  const nextViolationLine = () =>
    new Promise<string>((resolve) => {
      const listener = (line: string) => {
        if (!line.includes('Publish Violation')) return;
        logListeners.delete(listener);
        resolve(line);
      };
      logListeners.add(listener);
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-connect-'));
    server = await startNatsServer({
      dir,
      onLog: (line) => logListeners.forEach((listener) => listener(line)),
      authorization: {
        principals: [
          {
            name: service.name,
            nkey: service.publicKey,
            permissions: { publish: { allow: ['echo'] }, subscribe: { allow: ['echo', subjects.inboxAll(service.name)] }, allowResponses: true },
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await rm(dir, { recursive: true, force: true });
  });

  it("connects with the principal's nkey and uses its private inbox for requests", async () => {
    const nc = await connectAs({ url: server.url, principal: service.name, seed: service.seed, reconnect: false });
    try {
      const inboxes: string[] = [];
      const sub = nc.subscribe('echo', {
        callback: (_error, message) => {
          inboxes.push(message.reply ?? '');
          message.respond(message.data);
        },
      });
      expect((await nc.request('echo', 'hello', { timeout: 5_000 })).string()).toBe('hello');
      expect(inboxes[0]).toMatch(/^_INBOX\.blk-shared\./);
      sub.unsubscribe();
    } finally {
      await nc.close();
    }
  });

  it('names the connection after the principal unless told otherwise', async () => {
    const named = await connectAs({ url: server.url, principal: service.name, seed: service.seed, name: 'blk-shared#2', reconnect: false });
    const unnamed = await connectAs({ url: server.url, principal: service.name, seed: service.seed, reconnect: false });
    try {
      const first = nextViolationLine();
      named.publish('forbidden');
      expect(await first).toMatch(/"[^"]*:blk-shared#2" - Publish Violation/);
      const second = nextViolationLine();
      unnamed.publish('forbidden');
      expect(await second).toMatch(/"[^"]*:blk-shared" - Publish Violation/);
    } finally {
      await Promise.all([named.close(), unnamed.close()]);
    }
  });

  it('fails with BrokerAuthError for a key the broker does not know', async () => {
    const error = await connectAs({ url: server.url, principal: stranger.name, seed: stranger.seed, reconnect: false }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BrokerAuthError);
    expect((error as BrokerAuthError).message).toContain('"stranger"');
  });

  it('fails with BrokerUnreachableError, naming the url, when nothing listens', async () => {
    const url = `nats://127.0.0.1:${await closedPort()}`;
    const error = await connectAs({ url, principal: service.name, seed: service.seed, reconnect: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect((error as BrokerUnreachableError).message).toContain(url);
    expect((error as BrokerUnreachableError).hint).toContain('xoar host status');
  });

  it('fails with InvalidSeedError for something that is not a user seed', async () => {
    await expect(connectAs({ url: server.url, principal: service.name, seed: 'not-a-seed' })).rejects.toThrow(InvalidSeedError);
    await expect(connectAs({ url: server.url, principal: service.name, seed: service.publicKey })).rejects.toThrow(InvalidSeedError);
  });
});

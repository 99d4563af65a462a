import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directChannels } from '../../xenstore/direct-channel.js';
import { InMemoryXenstoreState } from '../../xenstore/in-memory-state.js';
import { XenstoreLogic } from '../../xenstore/logic.js';
import { connectSocketChannel } from '../../xenstore/socket-channel.js';
import { XenstoreUnixSocketServer } from '../../xenstore/unix-socket-server.js';
import { XenstoreClient } from '../../xenstore/xenstore-client.js';
import { XenstoredUnreachableError } from './errors.js';
import { XenstoredConnection } from './xenstored-connection.js';

// Against xoar's own XenStore on a unix socket: the same wire protocol as xenstored's.
let dir: string;
let server: XenstoreUnixSocketServer;
let connection: XenstoredConnection;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xoar-xenstored-'));
  server = await XenstoreUnixSocketServer.listen({ path: join(dir, 'socket'), channels: directChannels(await XenstoreLogic.open({ state: new InMemoryXenstoreState() })) });
  connection = await XenstoredConnection.connect(server.path);
});

afterEach(async () => {
  await connection.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the driver's connection to xenstored", () => {
  it('writes nodes with their permissions and reads them back', async () => {
    await connection.write([
      { path: '/local/domain/7/xoar', value: '', perms: ['n0', 'r7'] },
      { path: '/local/domain/7/xoar/seed', value: 'SECRET', perms: ['n0', 'r7'] },
    ]);
    expect(await connection.read('/local/domain/7/xoar/seed')).toBe('SECRET');
    const client = new XenstoreClient(await connectSocketChannel(server.path));
    expect(await client.permissions('/local/domain/7/xoar/seed')).toEqual(['n0', 'r7']);
    await client.close();
  });

  it('reads a node that does not exist as undefined', async () => {
    expect(await connection.read('/local/domain/7/data/xoar/exit')).toBeUndefined();
  });

  it('calls a watch once when it is set and on each change, and no more once removed', async () => {
    const events: string[] = [];
    let changed = (): void => undefined;
    const eventCount = async (count: number) => {
      while (events.length < count) await new Promise<void>((resolve) => (changed = resolve));
    };
    const unwatch = await connection.watch('/local/domain/7/data', (path) => {
      events.push(path);
      changed();
    });
    await connection.write([{ path: '/local/domain/7/data/xoar/state', value: 'waiting', perms: ['n0'] }]);
    await eventCount(2);
    expect(events).toEqual(['/local/domain/7/data', '/local/domain/7/data/xoar/state']);
    await unwatch();
    await connection.write([{ path: '/local/domain/7/data/xoar/state', value: 'running', perms: ['n0'] }]);
    await connection.read('/local/domain/7/data/xoar/state');
    expect(events).toHaveLength(2);
  });

  it('says so when xenstored is not there', async () => {
    await expect(XenstoredConnection.connect(join(dir, 'no-socket'))).rejects.toBeInstanceOf(XenstoredUnreachableError);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPrincipalKey } from './credentials.js';
import { BrokerStartError } from './errors.js';
import { findFreePort } from './free-port.js';
import { startNatsServer } from './nats-server.js';

// Lets a test hand out a taken port, as if another process had grabbed it after the probe.
vi.mock('./free-port.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./free-port.js')>();
  return { findFreePort: vi.fn(real.findFreePort) };
});

const key = createPrincipalKey('alice');
const authorization = {
  principals: [{ name: key.name, nkey: key.publicKey, permissions: { publish: { allow: ['a'] }, subscribe: { allow: ['a'] } } }],
};

describe('startNatsServer on a picked port', () => {
  let dir: string;
  let blocker: Server;
  let takenPort: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-broker-retry-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    takenPort = (blocker.address() as AddressInfo).port;
    vi.mocked(findFreePort).mockClear();
  });

  afterEach(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('picks another port when the first one is taken before nats-server binds it', async () => {
    vi.mocked(findFreePort).mockResolvedValueOnce(takenPort);

    const server = await startNatsServer({ dir, authorization });
    await server.stop();

    expect(() => process.kill(server.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(server.port).not.toBe(takenPort);
    expect(findFreePort).toHaveBeenCalledTimes(2);
  });

  it('gives up with BrokerStartError after three retries', async () => {
    vi.mocked(findFreePort).mockResolvedValue(takenPort);

    const error = await startNatsServer({ dir, authorization }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BrokerStartError);
    expect((error as BrokerStartError).message).toContain('4 tries');
    expect(findFreePort).toHaveBeenCalledTimes(4);
  });
});

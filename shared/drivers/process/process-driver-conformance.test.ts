import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrincipalKey } from '../../broker/credentials.js';
import { describeDriverConformance } from '../driver-conformance.js';
import { ProcessDriver } from './process-driver.js';

describeDriverConformance('process', async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'xoar-conformance-'));
  const driver = new ProcessDriver({ logDir });
  // A "broker" that accepts connections and never answers: instances stay alive, waiting.
  const sockets: Socket[] = [];
  const broker = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  const brokerUrl = `nats://127.0.0.1:${(broker.address() as { port: number }).port}`;
  return {
    driver,
    liveSpec: (id, role, instance) => ({ host: 'conformance', id, role, instance, natsUrl: brokerUrl, seed: createPrincipalKey(id).seed, heartbeatMs: 100, config: {}, readPaths: [], writePaths: [] }),
    // Nothing listens on port 1: the service cannot reach its broker, and exits.
    exitingSpec: (spec) => ({ ...spec, natsUrl: 'nats://127.0.0.1:1' }),
    dispose: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => broker.close(resolve));
      await driver.close();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
});

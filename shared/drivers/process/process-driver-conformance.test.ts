import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrincipalKey } from '../../broker/credentials.js';
import { describeDriverConformance } from '../driver-conformance.js';
import { silentBroker } from '../testing/silent-broker.js';
import { ProcessDriver } from './process-driver.js';

describeDriverConformance('process', async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'xoar-conformance-'));
  const driver = new ProcessDriver({ logDir });
  const broker = await silentBroker();
  return {
    driver,
    liveSpec: (id, role, instance) => ({ host: 'conformance', id, role, instance, natsUrl: broker.url, seed: createPrincipalKey(id).seed, heartbeatMs: 100, config: {}, readPaths: [], writePaths: [] }),
    // Nothing listens on port 1: the service cannot reach its broker, and exits.
    exitingSpec: (spec) => ({ ...spec, natsUrl: 'nats://127.0.0.1:1' }),
    dispose: async () => {
      await broker.close();
      await driver.close();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
});

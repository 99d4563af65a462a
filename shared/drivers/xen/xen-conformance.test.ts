import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';
import { createPrincipalKey } from '../../broker/credentials.js';
import { describeDriverConformance } from '../driver-conformance.js';
import { silentBroker } from '../testing/silent-broker.js';
import { XenDriver } from './xen-driver.js';
import { XlToolstack } from './xl-toolstack.js';

/**
 * The driver conformance suite on real Xen, in dom0 of the lab, as root:
 *   XOAR_XEN_LAB=1 XOAR_XEN_KERNEL=/boot/vmlinuz-… XOAR_XEN_RAMDISK=/…/service.cpio.gz XOAR_XEN_ROOT_DISK=/…/service-root.img \
 *   npx vitest run shared/drivers/xen/xen-conformance.test.ts
 * Optional: XOAR_XEN_STATE_DIR (keeps templates between runs), XOAR_XEN_BROKER_HOST (dom0 on
 * xenbr0, 10.88.0.1), XOAR_XEN_XENSTORED_SOCKET.
 */
const HOST = 'conformance';
const env = process.env;
const inLab = env['XOAR_XEN_LAB'] === '1' && (env['PATH'] ?? '').split(delimiter).some((dir) => existsSync(join(dir, 'xl')));

describe.runIf(inLab)('on real Xen (the lab: XOAR_XEN_LAB=1, as root in dom0, with xl on PATH)', () => {
  describeDriverConformance(
    'xen',
    async () => {
      const xen = new XlToolstack(env['XOAR_XEN_XENSTORED_SOCKET'] === undefined ? {} : { xenstoredSocket: env['XOAR_XEN_XENSTORED_SOCKET'] });
      // Instances left by an earlier run that stopped half-way would clash by name.
      for (const { name } of await xen.list()) if (name.startsWith(`${HOST}-`)) await xen.destroy(name);
      const stateDir = env['XOAR_XEN_STATE_DIR'] ?? mkdtempSync(join(tmpdir(), 'xoar-xen-conformance-'));
      const driver = new XenDriver(xen, { image: { kernel: required('XOAR_XEN_KERNEL'), ramdisk: required('XOAR_XEN_RAMDISK'), rootDisk: required('XOAR_XEN_ROOT_DISK'), kernelArgs: ['quiet'] }, stateDir });
      const brokerHost = env['XOAR_XEN_BROKER_HOST'] ?? '10.88.0.1';
      const broker = await silentBroker(brokerHost);
      return {
        driver,
        liveSpec: (id, role, instance) => ({ host: HOST, id, role, instance, natsUrl: broker.url, seed: createPrincipalKey(id).seed, heartbeatMs: 500, config: {}, readPaths: [], writePaths: [] }),
        // Nothing listens on port 1 of dom0: the service cannot reach its broker, and exits.
        exitingSpec: (spec) => ({ ...spec, natsUrl: `nats://${brokerHost}:1` }),
        dispose: async () => {
          await broker.close();
          await driver.close();
          if (env['XOAR_XEN_STATE_DIR'] === undefined) rmSync(stateDir, { recursive: true, force: true });
        },
      };
    },
    { timeoutMs: 600_000 },
  );
});

function required(name: string): string {
  const value = env[name];
  if (value === undefined) throw new Error(`set ${name} to run the xen driver conformance suite`);
  return value;
}

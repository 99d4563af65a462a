import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Role } from '../../policy/types.js';
import type { InstanceSpec } from '../driver.js';
import { XenBrokerUnreachableError, XenSnapshotStaleError, XenTemplateTimeoutError, XlFailedError } from './errors.js';
import { FakeXen } from './testing/fake-xen.js';
import { XenDriver, type XenDriverOptions } from './xen-driver.js';
import { ShutdownReason } from './xl-list.js';

// Against a fake Xen: these check the driver's own sequencing, not Xen (the lab does that).
let dir: string;
let xen: FakeXen;
let driver: XenDriver;

function options(overrides: Partial<XenDriverOptions> = {}): XenDriverOptions {
  return { image: { kernel: join(dir, 'vmlinuz'), ramdisk: join(dir, 'initrd.img'), rootDisk: join(dir, 'root.img') }, stateDir: join(dir, 'state'), ...overrides };
}

function spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return { host: 'h1', id: 'builder', role: Role.builder, instance: 1, natsUrl: 'nats://10.88.0.1:4222', seed: 'SUAFAKESEED', heartbeatMs: 500, config: {}, readPaths: [], writePaths: [], ...overrides };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xoar-xen-driver-'));
  writeFileSync(join(dir, 'vmlinuz'), 'kernel');
  writeFileSync(join(dir, 'initrd.img'), 'initramfs, code v1');
  writeFileSync(join(dir, 'root.img'), 'node and the code');
  xen = new FakeXen();
  driver = new XenDriver(xen, options());
});

afterEach(async () => {
  await driver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the xen driver, on a fake Xen', () => {
  it("boots a template of the service VM's shape to waiting once, saves it, and restores every instance of every service of that shape from it", async () => {
    await driver.start(spec());
    await driver.start(spec({ instance: 2 }));
    await driver.start(spec({ id: 'toolstack', role: Role.toolstack }));
    expect(xen.calls.filter((call) => !call.startsWith('write'))).toEqual([
      'destroy h1-template-192mib',
      'create h1-template-192mib (h1-template-192mib.cfg)',
      'save h1-template-192mib',
      'restore h1-builder-1 from 192mib.save',
      'restore h1-builder-2 from 192mib.save',
      'restore h1-toolstack-1 from 192mib.save',
    ]);
  });

  it('boots a template for each other shape: another memory size, a disk of its own', async () => {
    await driver.start(spec({ memoryLimitBytes: 128 * 2 ** 20 }));
    await driver.start(spec({ id: 'blk', role: Role.block, writePaths: ['/var/lib/xoar/blk'] }));
    expect(xen.calls.filter((call) => call.startsWith('save'))).toEqual(['save h1-template-128mib', 'save h1-template-192mib-own-disk']);
  });

  it('gives a restored domain its identity after it exists, in one write, the spec last', async () => {
    const handle = await driver.start(spec());
    const restoredAt = xen.calls.indexOf('restore h1-builder-1 from builder.save');
    const writes = xen.calls.flatMap((call, index) => (call.startsWith('write') ? [index] : []));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBeGreaterThan(restoredAt);
    expect(xen.writes[0]!.at(-1)!.path).toBe(`/local/domain/${handle.domid}/xoar/spec`);
  });

  it('hands each live instance an address of its own, and frees it when the instance is gone', async () => {
    const addressOf = (write: number) => xen.writes[write]!.find(({ path }) => path.endsWith('/ip'))!.value;
    const first = await driver.start(spec());
    await driver.start(spec({ instance: 2 }));
    expect([addressOf(0), addressOf(1)]).toEqual(['10.88.0.2/24', '10.88.0.3/24']);
    await driver.destroy(first);
    await driver.start(spec({ instance: 3 }));
    expect(addressOf(2)).toBe('10.88.0.2/24');
  });

  it("snapshots the template and the service's declared state: the same for every snapshot of it, another for another role, without the seed", async () => {
    const handle = await driver.start(spec());
    const first = await driver.snapshot(handle, spec());
    const second = await driver.snapshot(handle, spec());
    const saved = readFileSync(join(dir, 'state', 'images', '192mib.save'));
    const template = createHash('sha256').update(saved).digest('hex');
    expect(first.digest).toBe(createHash('sha256').update(template).update('\0').update(Role.builder).update('\0').update('{}').digest('hex'));
    expect(second.digest).toBe(first.digest);
    const toolstack = spec({ id: 'toolstack', role: Role.toolstack });
    expect((await driver.snapshot(await driver.start(toolstack), toolstack)).digest).not.toBe(first.digest);
    expect(JSON.stringify(first)).not.toContain('SUAFAKESEED');
  });

  it('restores a snapshot with the new instance number and standby flag, into a domain of its own', async () => {
    const handle = await driver.start(spec());
    const snapshot = await driver.snapshot(handle, spec());
    const standby = await driver.restore(snapshot, 2, 'SUAFAKESEED2', { standby: true });
    expect(standby).toMatchObject({ id: 'builder', instance: 2, name: 'h1-builder-2', pid: undefined });
    const written = Object.fromEntries(xen.writes[1]!.map(({ path, value }) => [path.split('/').at(-1), value]));
    expect(written['seed']).toBe('SUAFAKESEED2');
    expect(JSON.parse(written['spec']!)).toMatchObject({ instance: 2, standby: true });
    expect(xen.domains.has('h1-builder-1')).toBe(true);
  });

  it('builds the template again when the code changes, and refuses to restore a snapshot of the old one', async () => {
    const handle = await driver.start(spec());
    const old = await driver.snapshot(handle, spec());
    writeFileSync(join(dir, 'initrd.img'), 'initramfs, code v2');
    await driver.start(spec({ instance: 2 }));
    expect(xen.calls.filter((call) => call.startsWith('create'))).toHaveLength(2);
    await expect(driver.restore(old, 3, 'SUAFAKESEED')).rejects.toBeInstanceOf(XenSnapshotStaleError);
  });

  it('makes a disk for a service VM that keeps files before it first starts, and its template boots with a scratch disk of its own', async () => {
    await driver.start(spec({ id: 'xs-state', role: Role.xenstoreState, writePaths: ['/var/lib/xoar/xs-state'] }));
    expect(xen.calls.slice(0, 3)).toEqual([`createDisk xs-state.img ${2 ** 30}`, `createDisk template-192mib-own-disk.img ${2 ** 30}`, 'destroy h1-template-192mib-own-disk']);
  });

  it('ends a template that never reaches waiting, says so, and leaves no domain behind', async () => {
    await driver.close();
    driver = new XenDriver(xen, options({ templateBootTimeoutMs: 50 }));
    xen.templatesBoot = false;
    await expect(driver.start(spec())).rejects.toBeInstanceOf(XenTemplateTimeoutError);
    expect(xen.domains.size).toBe(0);
  });

  it('reads the exit code a service VM left, then clears its domain away', async () => {
    const handle = await driver.start(spec());
    xen.shutDown('h1-builder-1', ShutdownReason.poweroff, 3);
    expect(await handle.exited).toEqual({ code: 3, signal: null });
    expect(xen.domains.has('h1-builder-1')).toBe(false);
  });

  it('reports a domain that crashed without an exit code as a crash', async () => {
    const handle = await driver.start(spec());
    xen.shutDown('h1-builder-1', ShutdownReason.crash);
    expect(await handle.exited).toEqual({ code: null, signal: null, detail: 'the domain shut down (crash) without reporting an exit code' });
  });

  it('notices a domain that ended while it was being restored', async () => {
    xen.shutDownWhileRestoring = { reason: ShutdownReason.poweroff, code: 1 };
    const handle = await driver.start(spec());
    expect(await handle.exited).toEqual({ code: 1, signal: null });
  });

  it('notices a domain destroyed behind its back', async () => {
    const handle = await driver.start(spec());
    xen.vanish('h1-builder-1');
    expect((await handle.exited).detail).toBe('the domain vanished without shutting down');
  });

  it('destroys an instance at once, and destroying it again is harmless', async () => {
    const handle = await driver.start(spec());
    await driver.destroy(handle);
    expect(await handle.exited).toEqual({ code: null, signal: null, detail: 'destroyed by the supervisor' });
    await driver.destroy(handle);
    expect(xen.domains.has('h1-builder-1')).toBe(false);
  });

  it('refuses a loopback broker before touching Xen', async () => {
    await expect(driver.start(spec({ natsUrl: 'nats://127.0.0.1:4222' }))).rejects.toBeInstanceOf(XenBrokerUnreachableError);
    expect(xen.calls).toEqual([]);
  });

  it("passes a failed xl command's error on as it is, and frees the address it held", async () => {
    const failure = new XlFailedError(['restore', '-e', 'h1-builder-1.cfg', 'builder.save'], 'exited with 3', 3, 'libxl: error: domain restore failed');
    xen.failNext.set('restore', failure);
    await expect(driver.start(spec())).rejects.toBe(failure);
    await driver.start(spec({ instance: 2 }));
    expect(xen.writes[0]!.find(({ path }) => path.endsWith('/ip'))!.value).toBe('10.88.0.2/24');
  });

  describe("a guest's disks and vifs, as Xen devices served by its driver domains", () => {
    const blk = (instance: number) => spec({ id: 'blk', role: Role.block, instance, writePaths: ['/var/lib/xoar/blk'] });
    const net = spec({ id: 'net', role: Role.network });
    const disks = [{ vdev: 'xvda', devid: 51712, backend: 'blk', backendDomid: 3, sizeBytes: 16 * 2 ** 20 }];
    const guest = spec({ id: 'g1', role: 'guest', config: { id: 'g1', domid: 7, tenant: 'acme', disks, vifs: [], workload: null } });

    it("attaches each disk after the guest's identity, to the serving instance of its block service (not a standby numbered after it), its size told to that domain first", async () => {
      const serving = await driver.start(blk(1));
      await driver.start(blk(2));
      await driver.start(guest);
      const guestCalls = xen.calls.slice(xen.calls.indexOf('restore h1-g1-1 from 192mib.save'));
      expect(guestCalls.slice(1).map((call) => call.split(' ')[0])).toEqual(['write', 'write', 'attach-disk']);
      expect(guestCalls.at(-1)).toBe('attach-disk h1-g1-1 backend=h1-blk-1,vdev=xvdc,format=raw,access=rw,script=xoar-guest-disk,target=/var/lib/xoar/blk/g1.xvda.img');
      expect(xen.writes.at(-1)).toEqual([{ path: `/local/domain/${serving.domid}/xoar/guest-disks/g1/xvda`, value: String(16 * 2 ** 20), perms: ['n0', `r${serving.domid}`] }]);
    });

    it('attaches to the next instance once the serving one is gone', async () => {
      const first = await driver.start(blk(1));
      await driver.start(blk(2));
      await driver.destroy(first);
      await driver.start(guest);
      expect(xen.calls.at(-1)).toContain('attach-disk h1-g1-1 backend=h1-blk-2,');
    });

    it('attaches each vif after the disks, on the guest bridge of its network driver domain, with its MAC and rate', async () => {
      await driver.start(blk(1));
      await driver.start(net);
      const vifs = [{ mac: '00:16:3e:00:00:0a', devid: 0, backend: 'net', backendDomid: 4, rateBitsPerSecond: 8_000_000 }];
      await driver.start(spec({ id: 'g1', role: 'guest', config: { id: 'g1', domid: 7, tenant: 'acme', disks, vifs, workload: null } }));
      expect(xen.calls.slice(-2).map((call) => call.split(' ')[0])).toEqual(['attach-disk', 'attach-nic']);
      expect(xen.calls.at(-1)).toBe('attach-nic h1-g1-1 backend=h1-net-1 mac=00:16:3e:00:00:0a bridge=xoarguests rate=8000000b/s');
    });

    describe("when a service's serving domain changes (its instance rolled back)", () => {
      const vifs = [{ mac: '00:16:3e:00:00:0a', devid: 0, backend: 'net', backendDomid: 4 }];
      const guestWithVif = spec({ id: 'g1', role: 'guest', config: { id: 'g1', domid: 7, tenant: 'acme', disks, vifs, workload: null } });
      const moves = () => xen.calls.filter((call) => /^(detach|attach)/.test(call) || call.includes('/xoar/guest-disks/'));
      const settle = async () => {
        for (let turn = 0; turn < 5; turn++) await nextTurn();
      };

      it("attaches a live guest's disk again to the new instance once it runs xl devd, the stale one detached first; its vif stays", async () => {
        const first = await driver.start(blk(1));
        await driver.start(net);
        await driver.start(guestWithVif);
        xen.calls.length = 0;
        await driver.destroy(first);
        const second = await driver.start(blk(2));
        await settle();
        // Not before it runs: a back-end written before its blkback and xl devd would wait for nobody.
        expect(moves()).toEqual([]);
        xen.reportState('h1-blk-2', 'running');
        await vi.waitFor(() => expect(moves()).toHaveLength(3));
        expect(moves()).toEqual([
          'detach-disk h1-g1-1 xvdc',
          `write /local/domain/${second.domid}/xoar/guest-disks/g1/xvda`,
          'attach-disk h1-g1-1 backend=h1-blk-2,vdev=xvdc,format=raw,access=rw,script=xoar-guest-disk,target=/var/lib/xoar/blk/g1.xvda.img',
        ]);
      });

      it("attaches a live guest's vif again to the network service's new instance, detached by its MAC first; its disk stays", async () => {
        await driver.start(blk(1));
        const first = await driver.start(net);
        await driver.start(guestWithVif);
        xen.calls.length = 0;
        await driver.destroy(first);
        await driver.start(spec({ id: 'net', role: Role.network, instance: 2 }));
        xen.reportState('h1-net-2', 'running');
        await vi.waitFor(() => expect(moves()).toHaveLength(2));
        expect(moves()).toEqual(['detach-nic h1-g1-1 00:16:3e:00:00:0a', 'attach-nic h1-g1-1 backend=h1-net-2 mac=00:16:3e:00:00:0a bridge=xoarguests']);
      });

      it('leaves guests that are gone, and a standby numbered after the serving instance changes nothing', async () => {
        const first = await driver.start(blk(1));
        const g1 = await driver.start(guest);
        await driver.start(blk(2));
        await driver.destroy(g1);
        xen.calls.length = 0;
        await driver.destroy(first);
        xen.reportState('h1-blk-2', 'running');
        await settle();
        expect(moves()).toEqual([]);
      });

      it('still attaches the disk when detaching the stale one fails (it was gone already)', async () => {
        const first = await driver.start(blk(1));
        await driver.start(guest);
        await driver.destroy(first);
        xen.failNext.set('detachDisk', new XlFailedError(['block-detach'], 'exited with 1', 1, 'Error: Device xvdc not connected.'));
        await driver.start(blk(2));
        xen.reportState('h1-blk-2', 'running');
        await vi.waitFor(() => expect(moves().at(-1)).toMatch(/^attach-disk h1-g1-1 backend=h1-blk-2,/));
      });

      it('closes without waiting for a new instance that never runs', async () => {
        const first = await driver.start(blk(1));
        await driver.start(guest);
        await driver.destroy(first);
        await driver.start(blk(2));
        await settle();
        await driver.close();
        expect(moves().filter((call) => call.startsWith('detach'))).toEqual([]);
      });
    });

    it('refuses a guest whose block service runs nowhere before any domain of it exists', async () => {
      await expect(driver.start(guest)).rejects.toThrow('its disk xvda is served by "blk", which runs as no block driver domain of this driver');
      expect(xen.calls.filter((call) => call.includes('h1-g1'))).toEqual([]);
    });

    it('clears away a guest whose disk could not be attached', async () => {
      await driver.start(blk(1));
      xen.failNext.set('attachDisk', new XlFailedError(['block-attach'], 'exited with 1', 1, 'libxl: error: backend not ready'));
      await expect(driver.start(guest)).rejects.toThrow('backend not ready');
      expect(xen.domains.has('h1-g1-1')).toBe(false);
    });
  });

  it('clears away a domain whose identity could not be written', async () => {
    xen.failNext.set('write', new Error('xenstored: EQUOTA'));
    await expect(driver.start(spec())).rejects.toThrow('EQUOTA');
    expect(xen.domains.has('h1-builder-1')).toBe(false);
  });
});

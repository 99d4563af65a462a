import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXlList } from '../../shared/drivers/xen/xl-list.js';
import { createLogger } from '../../shared/log/logger.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import { Supervisor } from '../../services/supervisor/supervisor.js';
import { connectOperator, createGuest, destroyGuest } from '../support/guest-host.js';
import { eventually } from '../support/test-host.js';

/**
 * A host on the xen driver, on the real hypervisor: run in dom0 of the lab (`npm run xen-lab`).
 * Every assertion reads what Xen reports (`xl list`, xenstored through `xenstore-read`), not
 * what the supervisor believes.
 */
const run = promisify(execFile);
const inLab = process.env['XOAR_XEN_LAB'] === '1' && (process.env['PATH'] ?? '').split(delimiter).some((dir) => existsSync(join(dir, 'xl')));
const POLICY = join(import.meta.dirname, '..', '..', 'deploy', 'xen', 'lab', 'lab-policy.json');
/** Booting a domain under emulation (TCG) takes seconds; a host's first boot builds every template. */
const LAB_TIMEOUT_MS = 20 * 60_000;

async function domains(): Promise<Map<string, number>> {
  const { stdout } = await run('xl', ['list']);
  return new Map(parseXlList(stdout).map(({ name, domid }) => [name, domid]));
}

async function xenstoreRead(path: string): Promise<string | undefined> {
  try {
    return (await run('xenstore-read', [path])).stdout.trim();
  } catch {
    return undefined;
  }
}

function timed(label: string, began: number): void {
  console.log(`[xen-lab] ${label}: ${((performance.now() - began) / 1000).toFixed(1)} s`);
}

describe.runIf(inLab)('a host on the xen driver, on real Xen', () => {
  let supervisor: Supervisor;
  let stateRoot: string;
  let operator: NatsConnection;
  const host = 'lab';
  const instanceOf = (id: string) => supervisor.status().services.find((s) => s.id === id)?.instance ?? 0;

  beforeAll(async () => {
    stateRoot = process.env['XOAR_XEN_LAB_STATE'] ?? mkdtempSync('/var/lib/xoar/lab-');
    const began = performance.now();
    // The supervisor's log on the console: under emulation a boot takes minutes, and shows its progress.
    supervisor = await Supervisor.start({ policy: await loadPolicy(POLICY), stateRoot, log: createLogger(process.stderr, { component: 'supervisor' }) });
    await supervisor.booted;
    timed('host booted (templates built, every service VM restored from its own)', began);
    // Right after boot, dom0's one vCPU also restores the standbys' domains: under emulation, the broker may take longer than the default to answer.
    const connecting = performance.now();
    operator = await connectOperator(supervisor, 180_000);
    timed('operator connected', connecting);
  }, LAB_TIMEOUT_MS);
  afterAll(async () => {
    await operator?.close();
    await supervisor?.stop();
    if (process.env['XOAR_XEN_LAB_STATE'] === undefined) rmSync(stateRoot, { recursive: true, force: true });
  }, LAB_TIMEOUT_MS);

  it('runs every permanent service VM as a domain of its own, running its service; boot is gone once its job is done', async () => {
    const listed = await domains();
    for (const id of ['xs-state', 'xs-logic', 'builder', 'toolstack', 'blk', 'net']) {
      const domid = listed.get(`${host}-${id}-${instanceOf(id)}`);
      expect(domid, `${id}'s domain in xl list`).toBeTypeOf('number');
      expect(await xenstoreRead(`/local/domain/${domid}/data/xoar/state`)).toBe('running');
    }
    // boot retires once the host runs: its domain goes a few seconds later.
    await eventually(async () => ([...(await domains()).keys()].some((name) => name.startsWith(`${host}-boot-`)) ? undefined : true), "boot's domain to be destroyed", 120_000);
    for (const id of ['blk', 'net']) expect(await xenstoreRead(`/local/domain/${listed.get(`${host}-${id}-${instanceOf(id)}`)}/xoar/driver-domain`)).toBe('1');
  });

  // g1's first disk is its xvdc (the service image holds xvda and xvdb): devid 202 << 8 | 2 << 4. Its vif follows the control vif every domain of the service image has (devid 0).
  const vbd = (guest: number, blk: number) => ({ frontend: `/local/domain/${guest}/device/vbd/51744`, backend: `/local/domain/${blk}/backend/vbd/${guest}/51744` });
  const vif = (guest: number, net: number) => ({ frontend: `/local/domain/${guest}/device/vif/1`, backend: `/local/domain/${net}/backend/vif/${guest}/1` });
  const connected = async ({ frontend, backend }: { frontend: string; backend: string }) => (await xenstoreRead(`${frontend}/state`)) === '4' && (await xenstoreRead(`${backend}/state`)) === '4';
  /** The device's front-end names `backendDomid` and both ends are connected (after a move: to the new back-end). */
  const connectedTo = async (device: { frontend: string; backend: string }, backendDomid: number) => (await xenstoreRead(`${device.frontend}/backend-id`)) === String(backendDomid) && (await connected(device));
  const domidOf = async (name: string) => {
    const domid = (await domains()).get(name);
    expect(domid, `${name} in xl list`).toBeTypeOf('number');
    return domid as number;
  };
  const guestTimeoutMs = () => supervisor.status().guestOpTimeoutMs + 5_000;

  it('creates a guest as a domain whose disk is a vbd served by the block driver domain and whose vif is served by the network one', async () => {
    const began = performance.now();
    await createGuest(operator, host, 'g1', { block: { vdev: 'xvda', regionBlocks: 16, concurrency: 1 } }, guestTimeoutMs());
    timed('guest g1 created through the toolstack and the builder', began);
    const guest = await domidOf(`${host}-g1-1`);
    const blk = await domidOf(`${host}-blk-${instanceOf('blk')}`);
    const net = await domidOf(`${host}-net-${instanceOf('net')}`);
    const disk = vbd(guest, blk);
    expect(await xenstoreRead(`${disk.frontend}/backend-id`)).toBe(String(blk));
    await eventually(async () => ((await connected(disk)) ? true : undefined), "g1's vbd to connect to blkback in blk", 120_000);
    timed('guest g1 vbd connected to blkback in the block driver domain', began);
    expect(await xenstoreRead(`${disk.backend}/params`)).toMatch(/\/g1\.xvda\.img$/);
    expect(Number(await xenstoreRead(`${disk.backend}/sectors`)) * 512).toBe(16 * 2 ** 20);
    const nic = vif(guest, net);
    expect(await xenstoreRead(`${nic.frontend}/backend-id`)).toBe(String(net));
    await eventually(async () => ((await connected(nic)) ? true : undefined), "g1's vif to connect to netback in net", 120_000);
    expect(await xenstoreRead(`${nic.backend}/mac`)).toBe('00:16:3e:00:00:01');
    expect(await xenstoreRead(`${nic.backend}/bridge`)).toBe('xoarguests');
  }, LAB_TIMEOUT_MS);

  it("rolls the block service VM back through save/restore while g1 runs: a new domain from its saved template, the old one gone, g1's vbd attached again to it", async () => {
    const before = instanceOf('blk');
    const snapshot = supervisor.status().services.find((s) => s.id === 'blk')?.snapshot?.digest;
    // blk's template: the saved domain of its shape (192 MiB, a disk of its own). Its file's
    // identity, not a digest: hashing 200 MB in this process would stall the supervisor for
    // half a minute under emulation, long enough for its watchdog to miss every heartbeat.
    const template = join(stateRoot, host, 'xen', 'images', '192mib-own-disk.save');
    const templateFile = () => {
      const { ino, size, mtimeMs } = statSync(template);
      return { ino, size, mtimeMs };
    };
    const saved = templateFile();
    const began = performance.now();
    await supervisor.restart('blk');
    timed('blk rolled back (destroy, then restore from its template)', began);
    const after = instanceOf('blk');
    expect(after).toBeGreaterThan(before);
    const listed = await domains();
    expect(listed.has(`${host}-blk-${before}`)).toBe(false);
    const blk = await domidOf(`${host}-blk-${after}`);
    await eventually(async () => ((await xenstoreRead(`/local/domain/${blk}/data/xoar/state`)) === 'running' ? true : undefined), 'the restored blk to run', 120_000);
    // Restored from the same saved image, not booted afresh: the save file is unchanged, and so is the clean snapshot.
    expect(templateFile()).toEqual(saved);
    expect(supervisor.status().services.find((s) => s.id === 'blk')?.snapshot?.digest).toBe(snapshot);

    const disk = vbd(await domidOf(`${host}-g1-1`), blk);
    await eventually(async () => ((await connectedTo(disk, blk)) ? true : undefined), "g1's vbd to connect to blkback in the new blk", 180_000);
    timed("g1's vbd attached again and connected to the new blk", began);
  }, LAB_TIMEOUT_MS);

  it("rolls the network service VM back while g1 runs: g1's vif attached again to the new net domain", async () => {
    const before = instanceOf('net');
    const began = performance.now();
    await supervisor.restart('net');
    timed('net rolled back', began);
    const after = instanceOf('net');
    expect(after).toBeGreaterThan(before);
    await eventually(async () => ((await domains()).has(`${host}-net-${before}`) ? undefined : true), 'the old net domain to go', 120_000);
    const net = await domidOf(`${host}-net-${after}`);
    const nic = vif(await domidOf(`${host}-g1-1`), net);
    await eventually(async () => ((await connectedTo(nic, net)) ? true : undefined), "g1's vif to connect to netback in the new net", 180_000);
    timed("g1's vif attached again and connected to the new net", began);
    expect(await xenstoreRead(`${nic.backend}/mac`)).toBe('00:16:3e:00:00:01');
    expect(await xenstoreRead(`${nic.backend}/bridge`)).toBe('xoarguests');
  }, LAB_TIMEOUT_MS);

  it('destroys the guest: its domain is gone, and its vbd and vif leave blk and net', async () => {
    const guest = await domidOf(`${host}-g1-1`);
    const disk = vbd(guest, await domidOf(`${host}-blk-${instanceOf('blk')}`));
    const nic = vif(guest, await domidOf(`${host}-net-${instanceOf('net')}`));
    await destroyGuest(operator, host, 'g1', guestTimeoutMs());
    expect((await domains()).has(`${host}-g1-1`)).toBe(false);
    await eventually(async () => ((await xenstoreRead(disk.backend)) === undefined && (await xenstoreRead(nic.backend)) === undefined ? true : undefined), "g1's vbd and vif to leave blk and net", 60_000);
  }, LAB_TIMEOUT_MS);

  it('stops the host: no domain of it is left', async () => {
    await supervisor.stop();
    expect([...(await domains()).keys()].filter((name) => name.startsWith(`${host}-`))).toEqual([]);
  }, LAB_TIMEOUT_MS);
});

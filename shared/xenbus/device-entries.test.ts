import { describe, expect, it } from 'vitest';
import { LogicHarness } from '../xenstore/testing/logic-harness.js';
import { domainHome, vbdEntries, vifEntries } from './device-entries.js';
import { xenbusPaths } from './device-paths.js';
import { readNodes } from './read-nodes.js';
import { harnessXenbus } from './testing/harness-xenbus.js';
import { writeDirectories } from './write-directories.js';

const disk = { guest: 5, guestName: 'web', backend: 2, vdev: 'xvda', params: 'web/xvda.img', sizeBytes: 1 << 30 };

describe('device entries', () => {
  it('lay a disk out as the toolstack does', () => {
    expect(vbdEntries(disk)).toEqual({
      frontend: {
        path: '/local/domain/5/device/vbd/51712',
        perms: [
          { domid: 5, access: 'n' },
          { domid: 2, access: 'r' },
        ],
        nodes: { backend: '/local/domain/2/backend/vbd/5/51712', 'backend-id': '2', state: '1', 'virtual-device': '51712', 'device-type': 'disk' },
      },
      backend: {
        path: '/local/domain/2/backend/vbd/5/51712',
        perms: [
          { domid: 2, access: 'n' },
          { domid: 5, access: 'r' },
        ],
        nodes: {
          frontend: '/local/domain/5/device/vbd/51712',
          'frontend-id': '5',
          'xoar-guest': 'web',
          online: '1',
          state: '1',
          params: 'web/xvda.img',
          size: String(1 << 30),
          mode: 'w',
          dev: 'xvda',
          'device-type': 'disk',
          removable: '0',
          bootable: '1',
        },
      },
    });
  });

  it("make a domain's home readable by the domain only", () => {
    expect(domainHome(5)).toEqual({ path: '/local/domain/5', perms: [{ domid: 0, access: 'n' }, { domid: 5, access: 'r' }], nodes: { domid: '5' } });
  });

  it('lay a network interface out as the toolstack does', () => {
    const entries = vifEntries({ guest: 5, guestName: 'web', backend: 3, index: 0, mac: '00:16:3e:00:00:01' });
    expect(entries.frontend.path).toBe(xenbusPaths.frontend(5, 'vif', 0));
    expect(entries.frontend.nodes).toMatchObject({ backend: '/local/domain/3/backend/vif/5/0', 'backend-id': '3', handle: '0', mac: '00:16:3e:00:00:01', state: '1' });
    expect(entries.backend.nodes).toMatchObject({ frontend: '/local/domain/5/device/vif/0', 'frontend-id': '5', handle: '0', mac: '00:16:3e:00:00:01', online: '1', state: '1', 'xoar-guest': 'web' });
  });

  it('are written with each end owned by its domain and readable by the other only', async () => {
    const harness = await LogicHarness.open();
    const xenbus = harnessXenbus(harness);
    const dom0 = await xenbus(0);
    const entries = vbdEntries(disk);
    await writeDirectories(dom0.client, [domainHome(5), domainHome(2)]);
    await writeDirectories(dom0.client, [entries.frontend, entries.backend]);
    await writeDirectories(dom0.client, [entries.frontend, entries.backend]); // again: each directory afresh
    expect(await readNodes(dom0.client, entries.backend.path)).toEqual(entries.backend.nodes);
    expect(await dom0.client.permissions(`${entries.frontend.path}/state`)).toEqual(['n5', 'r2']);
    expect(await dom0.client.permissions(`${entries.backend.path}/params`)).toEqual(['n2', 'r5']);

    const guest = await xenbus(5);
    await guest.client.write(`${entries.frontend.path}/state`, '3');
    await expect(guest.client.write(`${entries.backend.path}/state`, '4')).rejects.toMatchObject({ errno: 'EACCES' });
    expect(await guest.client.list('/local/domain/5/device/vbd')).toEqual(['51712']);
    const backend = await xenbus(2);
    expect(await backend.client.list('/local/domain/2/backend/vbd/5')).toEqual(['51712']);
    const other = await xenbus(6);
    await expect(other.client.read(`${entries.backend.path}/params`)).rejects.toMatchObject({ errno: 'EACCES' });
    await expect(other.client.list('/local/domain/5/device/vbd')).rejects.toMatchObject({ errno: 'EACCES' });
  });
});

/**
 * Minimal block and network backends for guest tests: the real xenbus backend machine, with
 * device actions that serve a guest's disk from a DiskImage (serveBlockRequest) or switch frames
 * between the guests' vifs by destination MAC. An instance can hang (requests run, replies are
 * lost) and be killed (machine, bus and XenStore connections gone), as a rollback does.
 */
import { join } from 'node:path';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { createActor, fromPromise } from 'xstate';
import { subjects } from '../../../shared/bus/subjects.js';
import { BlockRing } from '../../../shared/devices/block/block-ring.js';
import { decodeBlockRequest, encodeBlockReply } from '../../../shared/devices/block/block-wire.js';
import { DiskImage, SECTOR_SIZE } from '../../../shared/devices/block/disk-image.js';
import { serveBlockRequest } from '../../../shared/devices/block/serve-block-request.js';
import { parseFrame } from '../../../shared/devices/network/ethernet-frame.js';
import { DeviceKind } from '../../../shared/policy/live-grants.js';
import { backendDeviceMachine } from '../../../shared/xenbus/backend-device-machine.js';
import type { DeviceAtBackend } from '../../../shared/xenbus/backend-device-machine.js';
import { backendMachine } from '../../../shared/xenbus/backend-machine.js';
import { DeviceNode } from '../../../shared/xenbus/device-paths.js';
import type { XenbusConnection } from '../../../shared/xenbus/xenbus-connection.js';
import { BLOCK_BACKEND, type GuestBroker, HOST, NETWORK_BACKEND } from './guest-broker.js';

/** Requests a disk takes at once; more are answered `block-ring-full`. */
export const TEST_RING_DEPTH = 4;

export interface BackendInstance {
  /** Stops answering: requests still run, their replies are lost (hung, or killed mid-request). */
  hang(): void;
  /** Gone: its machine, its bus and XenStore connections, and what it had open. */
  kill(): Promise<void>;
}

interface Port {
  guest: string;
  devid: number;
}

function guestOf(device: DeviceAtBackend): Port {
  const guest = device.nodes[DeviceNode.guestName];
  if (guest === undefined) throw new Error(`${device.dir} names no guest`);
  return { guest, devid: Number(device.dir.slice(device.dir.lastIndexOf('/') + 1)) };
}

async function startInstance(options: {
  broker: GuestBroker;
  xenbus: XenbusConnection;
  domid: number;
  kind: DeviceKind;
  principal: string;
  open: (nc: NatsConnection, device: DeviceAtBackend, answer: (respond: () => void) => void) => Promise<{ nodes: Record<string, string>; close: () => Promise<void> }>;
}): Promise<BackendInstance> {
  const nc = await options.broker.connect(options.principal);
  let hung = false;
  const answer = (respond: () => void) => {
    if (!hung && !nc.isClosed()) respond();
  };
  const open = new Map<string, () => Promise<void>>();
  const device = backendDeviceMachine.provide({
    actors: {
      openDevice: fromPromise<Record<string, string>, DeviceAtBackend>(async ({ input }) => {
        const { nodes, close } = await options.open(nc, input, answer);
        open.set(input.dir, close);
        await nc.flush();
        return nodes;
      }),
      closeDevice: fromPromise<void, DeviceAtBackend>(async ({ input }) => {
        await open.get(input.dir)?.();
        open.delete(input.dir);
      }),
    },
  });
  const actor = createActor(backendMachine.provide({ actors: { device } }), { input: { xenbus: options.xenbus, domid: options.domid, kind: options.kind } }).start();
  return {
    hang: () => void (hung = true),
    async kill() {
      hung = true;
      actor.stop();
      await nc.close();
      await options.xenbus.close();
      // As the OS does for a dead process: what it had open is closed once its last I/O is done.
      for (const close of open.values()) await close();
    },
  };
}

export function startBlockBackend(options: { broker: GuestBroker; xenbus: XenbusConnection; domid: number; imageDir: string }): Promise<BackendInstance> {
  return startInstance({
    ...options,
    kind: DeviceKind.vbd,
    principal: BLOCK_BACKEND,
    open: async (nc, device, answer) => {
      const disk = await DiskImage.open(join(options.imageDir, `${device.nodes[DeviceNode.params]}.img`), Number(device.nodes[DeviceNode.size]));
      const ring = new BlockRing(TEST_RING_DEPTH);
      const { guest, devid } = guestOf(device);
      const subscription: Subscription = nc.subscribe(subjects.rpcForGuest(HOST, BLOCK_BACKEND, guest, `vbd.${devid}`), {
        callback: (_error, msg) => {
          void serveBlockRequest(disk, ring, decodeBlockRequest(msg.data)).then((reply) => answer(() => msg.respond(encodeBlockReply(reply))));
        },
      });
      return {
        nodes: { [DeviceNode.sectors]: String(disk.sectors), [DeviceNode.sectorSize]: String(SECTOR_SIZE) },
        close: async () => {
          subscription.unsubscribe();
          await disk.close();
        },
      };
    },
  });
}

/** Switches frames between the vifs it has open, by destination MAC. */
export function startNetworkBackend(options: { broker: GuestBroker; xenbus: XenbusConnection; domid: number }): Promise<BackendInstance> {
  const ports = new Map<string, Port>();
  return startInstance({
    ...options,
    kind: DeviceKind.vif,
    principal: NETWORK_BACKEND,
    open: async (nc, device, answer) => {
      const port = guestOf(device);
      const mac = device.nodes[DeviceNode.mac] ?? '';
      ports.set(mac, port);
      const subscription = nc.subscribe(subjects.rpcForGuest(HOST, NETWORK_BACKEND, port.guest, `vif.${port.devid}`), {
        callback: (_error, msg) => {
          const to = ports.get(parseFrame(msg.data).destination);
          if (to !== undefined) answer(() => nc.publish(subjects.guestFrames(HOST, to.guest, to.devid), msg.data));
        },
      });
      return {
        nodes: {},
        close: async () => {
          subscription.unsubscribe();
          ports.delete(mac);
        },
      };
    },
  });
}

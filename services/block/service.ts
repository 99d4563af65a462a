import { createActor, type Actor } from 'xstate';
import { deviceOfRequest } from '../../shared/bus/subjects.js';
import { decodeBlockRequest, encodeBlockReply, blockFailure } from '../../shared/devices/block/block-wire.js';
import { XoarError } from '../../shared/errors/xoar-error.js';
import { DeviceKind } from '../../shared/policy/live-grants.js';
import { Role } from '../../shared/policy/types.js';
import type { ServiceContext, ServiceDefinition } from '../../shared/service/service-definition.js';
import { XenbusConnection } from '../../shared/xenbus/xenbus-connection.js';
import { busChannels } from '../../shared/xenstore/bus-client.js';
import { BlockDisks, type OpenDevice } from './block-disks.js';

/** Requests a block backend serves besides its guests' block requests (`xoar.<host>.rpc.<id>.<op>`). */
export const BlockOp = {
  /** The open-device table, and the instance that answers. */
  list: 'device.list',
} as const;
export type BlockOp = (typeof BlockOp)[keyof typeof BlockOp];

/** A guest's requests to one of its disks: `xoar.<host>.rpc.<id>.g.<guest>.vbd.<devid>`. */
const GUEST_REQUESTS = 'g.*.vbd.*';

/** The backend's recovery box (schema in `shared/service/recovery-box.ts`): which guest had which disk open. */
export interface BlockRecoveryBox {
  v: 1;
  open: OpenDevice[];
}

let running: { disks: BlockDisks; machine: Actor<ReturnType<BlockDisks['machine']>>; inherited: OpenDevice[] } | undefined;

/**
 * A block backend: serves each guest disk wired to it (xenbus, through its own XenStore domain)
 * from a sparse image in its own directory, a write acknowledged once durable. Its open-device
 * table is its recovery box. It starts serving when activated, and lets go of its disks when
 * drained, before the next instance takes them over.
 */
export const blockService: ServiceDefinition = {
  role: Role.block,
  recover: async (ctx, box) => {
    const domid = Number(ctx.spec.config['domid']);
    const xenbus = await XenbusConnection.open(busChannels({ nc: ctx.nc, host: ctx.spec.host, domid }));
    const disks = new BlockDisks('.', (open) => ctx.writeRecoveryBox({ v: 1, open } satisfies BlockRecoveryBox));
    const machine = createActor(disks.machine(), { input: { xenbus, domid, kind: DeviceKind.vbd } });
    running = { disks, machine, inherited: box === null ? [] : (box as BlockRecoveryBox).open };
    ctx.serveRaw(GUEST_REQUESTS, (data, subject) => serveGuest(ctx, disks, data, subject));
    ctx.serve(BlockOp.list, () => ({ instance: ctx.spec.instance, open: disks.table(), inherited: running?.inherited ?? [] }));
    machine.start();
  },
  drain: async () => {
    running?.machine.stop();
    await running?.disks.closeAll();
  },
};

async function serveGuest(ctx: ServiceContext, disks: BlockDisks, data: Uint8Array, subject: string): Promise<Uint8Array> {
  let request;
  try {
    request = decodeBlockRequest(data);
  } catch (error) {
    ctx.log.warn('a malformed block request', { subject });
    return encodeBlockReply(blockFailure('', error instanceof XoarError ? error : new XoarError('block-malformed', String(error))));
  }
  return encodeBlockReply(await disks.serve(deviceOfRequest(subject), request));
}

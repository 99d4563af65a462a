import { XoarError } from '../../shared/errors/xoar-error.js';
import { Role } from '../../shared/policy/types.js';
import type { ServiceContext, ServiceDefinition } from '../../shared/service/service-definition.js';

/** Requests a block backend serves (`xoar.<host>.rpc.<id>.<op>`). */
export const BlockOp = {
  /** `{ device, guest }`: the guest opens one of this backend's devices. */
  open: 'device.open',
  /** `{ device, guest }`: the guest closes it again. */
  close: 'device.close',
  /** The open-device table, and the instance that answers. */
  list: 'device.list',
} as const;
export type BlockOp = (typeof BlockOp)[keyof typeof BlockOp];

/** One row of the open-device table: the backend's recovery box (schema in `shared/service/recovery-box.ts`). */
export interface OpenDevice {
  device: string;
  guest: string;
}
export interface BlockRecoveryBox {
  v: 1;
  open: OpenDevice[];
}

export class DeviceNotAssignedError extends XoarError {
  constructor(device: string, service: string) {
    super('device-not-assigned', `device ${device} is not assigned to block backend "${service}"`, {
      hint: "the policy's `devices` of the service lists what it may serve",
    });
  }
}

let open: OpenDevice[] = [];

function request(payload: unknown): OpenDevice {
  const { device, guest } = (payload ?? {}) as Partial<OpenDevice>;
  if (typeof device !== 'string' || typeof guest !== 'string') throw new XoarError('bad-request', 'a device request needs "device" and "guest" (strings)');
  return { device, guest };
}

function save(ctx: ServiceContext): void {
  ctx.writeRecoveryBox({ v: 1, open } satisfies BlockRecoveryBox);
}

/**
 * The block backend, for now: the table of which guest has which of its devices open. The
 * table is the backend's recovery box, so it survives rollbacks; everything else starts clean.
 */
export const blockService: ServiceDefinition = {
  role: Role.block,
  recover: (_ctx, box) => {
    open = box === null ? [] : [...(box as BlockRecoveryBox).open];
  },
  init: (ctx) => {
    const assigned = Array.isArray(ctx.spec.config['devices']) ? (ctx.spec.config['devices'] as string[]) : [];
    ctx.serve(BlockOp.open, (payload) => {
      const row = request(payload);
      if (!assigned.includes(row.device)) throw new DeviceNotAssignedError(row.device, ctx.spec.id);
      if (!open.some((o) => o.device === row.device && o.guest === row.guest)) {
        open = [...open, row];
        save(ctx);
      }
      return { open };
    });
    ctx.serve(BlockOp.close, (payload) => {
      const row = request(payload);
      open = open.filter((o) => !(o.device === row.device && o.guest === row.guest));
      save(ctx);
      return { open };
    });
    ctx.serve(BlockOp.list, () => ({ instance: ctx.spec.instance, open }));
  },
};

import { XoarError } from '../../shared/errors/xoar-error.js';
import { guestOfRequest } from '../../shared/bus/subjects.js';
import { BuilderOp, ToolstackOp } from '../../shared/guest/guest-ops.js';
import { Role } from '../../shared/policy/types.js';
import type { ServiceDefinition } from '../../shared/service/service-definition.js';

export class GuestNotManagedError extends XoarError {
  constructor(toolstack: string, guest: string, managed: readonly string[]) {
    super('guest-not-managed', `toolstack "${toolstack}" does not manage guest "${guest}"`, {
      hint: managed.length === 0 ? 'its policy gives it no guests' : `it manages ${managed.join(', ')}; ask the toolstack that serves ${guest} (xoar guest list shows it)`,
    });
  }
}

/**
 * A Toolstack: the management API of the guests it serves. It may manage only those (the broker
 * lets it reach the builder about them and no others); building and destroying is the builder's.
 */
export const toolstackService: ServiceDefinition = {
  role: Role.toolstack,
  init: (ctx) => {
    const builder = String(ctx.spec.config['builder']);
    const managed = (ctx.spec.config['guests'] as string[] | undefined) ?? [];
    const timeoutMs = Number(ctx.spec.config['guestOpTimeoutMs']);
    const forward = (op: BuilderOp) => (payload: unknown, subject: string) => {
      const guest = guestOfRequest(subject);
      if (!managed.includes(guest)) throw new GuestNotManagedError(ctx.spec.id, guest, managed);
      return ctx.requestService(builder, `g.${guest}.${op}`, payload ?? null, timeoutMs);
    };
    ctx.serve(`g.*.${ToolstackOp.create}`, forward(BuilderOp.build));
    ctx.serve(`g.*.${ToolstackOp.destroy}`, forward(BuilderOp.destroy));
  },
};

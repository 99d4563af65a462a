import { XoarError } from '../../shared/errors/xoar-error.js';
import { Role } from '../../shared/policy/types.js';
import type { ServiceDefinition } from '../../shared/service/service-definition.js';
import { XenstoreStateOp } from '../../shared/xenstore/bus-state-writer.js';
import type { AppendRequest } from '../../shared/xenstore/bus-state-writer.js';
import { XenstoreStateLog } from '../../shared/xenstore/state-log.js';

class MalformedAppendError extends XoarError {
  constructor() {
    super('xenstore-state-bad-append', 'an append request needs an integer epoch and batch and a list of commits', {
      hint: 'only XenStore-Logic appends to XenStore-State; check its version',
    });
  }
}

/** The instance starts in its state directory (writePaths[0]), reachable from there only by relative paths. */
const WORKING_DIRECTORY = '.';

function isAppendRequest(payload: unknown): payload is AppendRequest {
  const candidate = payload as Partial<AppendRequest> | null;
  return Number.isInteger(candidate?.epoch) && Number.isInteger(candidate?.batch) && Array.isArray(candidate?.commits);
}

/**
 * XenStore-State: the tree, durably (XenstoreStateLog in this service VM's own directory, the
 * only place it may write). It answers XenStore-Logic alone; its state survives its restarts.
 */
export const xenstoreStateService: ServiceDefinition = {
  role: Role.xenstoreState,
  async init(ctx) {
    if (ctx.spec.writePaths.length === 0) throw new XoarError('xenstore-state-no-dir', 'XenStore-State was given no directory to keep the tree in', { hint: 'the supervisor passes one in writePaths; check the instance spec' });
    const log = await XenstoreStateLog.open(WORKING_DIRECTORY);
    ctx.serve(XenstoreStateOp.takeOver, () => log.takeOver());
    ctx.serve(XenstoreStateOp.append, (payload) => {
      if (!isAppendRequest(payload)) throw new MalformedAppendError();
      return log.append(payload.epoch, payload.batch, payload.commits);
    });
  },
};

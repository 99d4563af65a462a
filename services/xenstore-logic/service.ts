import { XoarError } from '../../shared/errors/xoar-error.js';
import { Role } from '../../shared/policy/types.js';
import type { ServiceDefinition } from '../../shared/service/service-definition.js';
import { XenstoreBusServer } from '../../shared/xenstore/bus-server.js';
import { busStateWriter } from '../../shared/xenstore/bus-state-writer.js';
import type { XenstoreDelegation } from '../../shared/xenstore/delegation.js';
import { XenstoreLogic } from '../../shared/xenstore/logic.js';
import type { XenstoreQuotas } from '../../shared/xenstore/quotas.js';
import { ReplicatedXenstoreState } from '../../shared/xenstore/replicated-state.js';

/**
 * XenStore-Logic: the protocol, over the bus, for every domain. It keeps nothing it cannot
 * rebuild: at start it takes the tree and the sessions over from XenStore-State, and every
 * reply waits until what the request changed is durable there. Its config names the service
 * VMs' domains that hold `xenstore.write:<path>` (see delegation.ts).
 */
export const xenstoreLogicService: ServiceDefinition = {
  role: Role.xenstoreLogic,
  async init(ctx) {
    const { host, id, config } = ctx.spec;
    const stateService = config['stateService'];
    if (typeof stateService !== 'string') throw new XoarError('xenstore-logic-no-state', 'XenStore-Logic was not told which service is its XenStore-State', { hint: 'the policy needs a xenstore-state service' });
    const state = await ReplicatedXenstoreState.open(busStateWriter(ctx.nc, host, stateService), (error) => {
      ctx.log.error('giving up this instance', { error: error.message, code: error.code });
      process.exit(1);
    });
    const logic = await XenstoreLogic.open({
      state,
      quotas: (config['quotas'] ?? {}) as Partial<XenstoreQuotas>,
      delegations: (config['delegations'] ?? []) as XenstoreDelegation[],
    });
    await XenstoreBusServer.start({ nc: ctx.nc, host, logic, queue: id, log: ctx.log });
  },
};

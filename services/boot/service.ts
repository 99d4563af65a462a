import { SupervisorOp } from '../../shared/bus/subjects.js';
import { Role } from '../../shared/policy/types.js';
import type { ServiceDefinition } from '../../shared/service/service-definition.js';

/** System Boot: asks the supervisor to bring the platform up, then is retired with its privilege. */
export const bootService: ServiceDefinition = {
  role: Role.boot,
  run: async (ctx) => {
    await ctx.requestSupervisor(SupervisorOp.platformStart);
    ctx.reportDone();
  },
};

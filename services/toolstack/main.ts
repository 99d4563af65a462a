import { Role } from '../../shared/policy/types.js';
import { runService } from '../../shared/service/run-service.js';

await runService({ role: Role.toolstack });

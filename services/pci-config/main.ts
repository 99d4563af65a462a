import { runService } from '../../shared/service/run-service.js';
import { pciConfigService } from './service.js';

await runService(pciConfigService);

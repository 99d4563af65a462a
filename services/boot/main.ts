import { runService } from '../../shared/service/run-service.js';
import { bootService } from './service.js';

await runService(bootService);

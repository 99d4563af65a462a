import { runService } from '../../shared/service/run-service.js';
import { blockService } from './service.js';

await runService(blockService);

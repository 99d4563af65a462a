import { runService } from '../../shared/service/run-service.js';
import { toolstackService } from './service.js';

await runService(toolstackService);

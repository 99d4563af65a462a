import { runService } from '../../shared/service/run-service.js';
import { xenstoreLogicService } from './service.js';

await runService(xenstoreLogicService);

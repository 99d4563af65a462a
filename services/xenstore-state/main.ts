import { runService } from '../../shared/service/run-service.js';
import { xenstoreStateService } from './service.js';

await runService(xenstoreStateService);

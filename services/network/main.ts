import { runService } from '../../shared/service/run-service.js';
import { networkService } from './service.js';

await runService(networkService);

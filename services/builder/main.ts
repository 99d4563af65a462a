import { runService } from '../../shared/service/run-service.js';
import { builderService } from './service.js';

await runService(builderService);

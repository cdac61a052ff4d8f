import { localExecutor } from '../../src/training/pool.js';
import { executorConformance } from './executor-conformance.js';

executorConformance('local worker-thread pool', {
  before: async () => ({ factory: localExecutor, cpuSlots: 2 }),
});

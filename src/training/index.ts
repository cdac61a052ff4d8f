export { startRun, resumeRun, type ResumeOptions } from './run.js';
export { crossFit, type CrossFitOptions, type CrossFitResult } from './cross-fit.js';
export { TrialPool, localExecutor, type TrialPoolOptions } from './pool.js';
export type { ExecutorFactory, ExecutorSetup, TrialExecutor, TrialResult } from './executor.js';
export { RunClock, defaultReserveSeconds } from './budget.js';
export { normalizeModuleSpecifier, loadPluginModule, resolveFamily } from './families.js';
export { detectGpuThreads, laneOf, visibleGpuCount, NEURAL_FAMILIES } from './lanes.js';
export { shareDataset, shareFolds, shareTable } from './shared-data.js';
export type * from './types.js';

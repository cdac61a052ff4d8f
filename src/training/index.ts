export { startRun, resumeRun, remainingBudget, ownerState, processStartToken, STALE_OWNER_MS, type ResumeOptions } from './run.js';
export { crossFit, type CrossFitOptions, type CrossFitResult, type CrossFitPruned } from './cross-fit.js';
export { TrialPool, type TrialPoolOptions, type PoolResult } from './pool.js';
export { RunClock, splitBudget, finishReserveSeconds, defaultTrialLimitSeconds, type BudgetShape, type BudgetSplit } from './budget.js';
export { normalizeModuleSpecifier, loadPluginModule, resolveFamily } from './families.js';
export { detectGpuThreads, laneOf, visibleGpuCount, NEURAL_FAMILIES } from './lanes.js';
export { shareDataset, shareFolds, shareTable } from './shared-data.js';
export type * from './types.js';

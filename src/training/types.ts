import type { Dataset, FeatureTable } from '../data/dataset.js';
import type { Fold } from '../data/split.js';
import type { MetricName } from '../metrics/types.js';
import type { Config, SerializedMember } from '../models/types.js';
import type { Proposer } from '../search/types.js';
import type { Store, TrialStatus } from '../store/types.js';
import type { ExecutorFactory } from './executor.js';
import type { PruneRule } from './racing.js';

/** Which pool a trial runs in: CPU threads, or one thread per GPU for neural members. */
export type Lane = 'cpu' | 'gpu';

/** Per-run data every worker receives once, at start (typed arrays on SharedArrayBuffers: shared, not copied). */
export interface WorkerRunData {
  readonly train: Dataset;
  readonly test?: FeatureTable;
  readonly folds: readonly Fold[];
  readonly metric: MetricName;
  /** Module URLs of user-defined ("plugin") families, imported by each worker. */
  readonly familyModules: readonly string[];
  /** What one trial may hold, JS heap and typed arrays together, MB (see memory-guard.ts). */
  readonly memoryLimitMb: number;
}

/**
 * One trial as posted to a worker: small, plain data. Crosses process and machine boundaries in the versioned wire
 * format of `wire.ts`: a new field must be optional (old workers ignore it, old coordinators never send it).
 */
export interface TrialTask {
  /** The trial's number within its run: identifies it to the executor (a resubmission is the same trial). */
  readonly number: number;
  readonly family: string;
  readonly config: Config;
  readonly seed: number;
  /** ms since epoch: the worker aborts the fit at this moment (the pool terminates it a grace period later). */
  readonly deadline: number;
  readonly backend?: string;
  /** Fold-level racing against the best trial so far (absent: every fold is fitted). */
  readonly prune?: PruneRule;
}

/**
 * What the worker sends back. Typed arrays and model blobs are transferred, not copied. Crosses machines in the
 * versioned wire format of `wire.ts`: a new field must be optional, and readers must accept its absence.
 */
export type TrialReply =
  | {
      readonly ok: true;
      readonly oof: Float32Array;
      readonly test?: Float32Array;
      /** Predicted variances of a regression member that predicts one (see FittedMember.predictVariance). */
      readonly oofVariance?: Float32Array;
      readonly testVariance?: Float32Array;
      readonly models: SerializedMember[];
      readonly fitSeconds: number;
      readonly validationScore: number;
      readonly validationLoss: number;
      /** Validation loss of each fold. */
      readonly foldLosses: readonly number[];
      readonly threadId: number;
      /** The compute backend that actually ran the fits (neural families), see `FittedMember.backend`. */
      readonly backend?: string;
    }
  | {
      readonly ok: false;
      readonly status: 'failed' | 'timeout';
      readonly error: string;
      readonly fitSeconds: number;
      readonly threadId: number;
      readonly backend?: string;
    }
  | {
      readonly ok: false;
      readonly status: 'pruned';
      /** Why it was stopped (stored as the trial's error text). */
      readonly error: string;
      readonly foldLosses: readonly number[];
      readonly fitSeconds: number;
      readonly threadId: number;
      readonly backend?: string;
    };

/** Events for progress displays (the CLI). Times in seconds; `timeLeft` is Infinity without a time budget. */
export type ProgressEvent =
  | { readonly type: 'run-started'; readonly runId: number; readonly resumed: boolean; readonly timeLeft: number }
  | {
      readonly type: 'trial-started';
      readonly runId: number;
      readonly trial: number;
      readonly family: string;
      readonly lane: Lane;
      readonly timeLeft: number;
    }
  | {
      readonly type: 'trial-finished';
      readonly runId: number;
      readonly trial: number;
      readonly family: string;
      readonly status: Exclude<TrialStatus, 'queued' | 'running'>;
      readonly validationScore?: number;
      readonly error?: string;
      readonly seconds: number;
      readonly best: BestSoFar | null;
      readonly finished: number;
      readonly timeLeft: number;
    }
  | { readonly type: 'run-finished'; readonly summary: RunSummary }
  /** Something the user should know before the results (e.g. a class too small to validate). */
  | { readonly type: 'warning'; readonly message: string }
  /** News from where trials run worth a line of its own (a distributed executor lost Redis, got it back). */
  | { readonly type: 'notice'; readonly message: string };

export interface BestSoFar {
  readonly trial: number;
  readonly family: string;
  readonly validationScore: number;
  readonly validationLoss: number;
}

/**
 * Why a run stopped starting trials: 'time-budget' the training deadline passed; 'nothing-fits' time was left
 * (`RunSummary.secondsLeft`) but no configuration was predicted to fit in it; 'exhausted' the search space has
 * nothing left to propose.
 */
export type StopReason = 'max-trials' | 'time-budget' | 'nothing-fits' | 'exhausted' | 'cancelled';

export interface RunSummary {
  readonly runId: number;
  readonly stoppedBy: StopReason;
  /** Training seconds that were left when the run stopped starting trials (Infinity without a time budget). */
  readonly secondsLeft: number;
  /** The per-trial time limit the run used, seconds (Infinity: none). */
  readonly trialLimitSeconds: number;
  readonly trials: Readonly<Record<TrialStatus, number>>;
  readonly best: BestSoFar | null;
  readonly elapsedSeconds: number;
  /** ms since epoch by which the caller's ensemble step should be done (Infinity without a time budget). */
  readonly ensembleDeadline: number;
}

/** Options a run keeps in the store (so a resume uses the same folds, seed, metric and limits). */
export interface StoredRunOptions {
  readonly folds: number;
  readonly seed: number;
  readonly metric: MetricName;
  readonly maxTrials?: number;
  readonly timeBudget?: number;
  readonly reserveSeconds: number;
  readonly perTrialTimeLimit?: number;
  readonly typicalTrialSeconds?: number;
  readonly concurrency: number;
  readonly gpuThreads: number;
  readonly memoryLimitMb: number;
  readonly graceSeconds: number;
  readonly ordered: boolean;
  /** Fold-level racing of trials against the best so far (default true; see racing.ts). */
  readonly pruning?: boolean;
  /** The racing bound's gap (default 0.5). */
  readonly pruneGap?: number;
  readonly familyModules: readonly string[];
  readonly backend?: string;
  readonly testFingerprint?: string;
}

/** Options of `startRun`. Only `store`, `proposer` and one of `maxTrials` / `timeBudget` are required. */
export interface RunOptions {
  readonly store: Store;
  readonly proposer: Proposer;
  /** Test rows to predict with every member (average of its fold models). */
  readonly test?: FeatureTable;
  /** Cross-validation folds per trial (default 5; stratified for classification). */
  readonly folds?: number;
  /** Run seed: folds and every trial's seed derive from it (default 0). */
  readonly seed?: number;
  /** Default: the task's default metric. */
  readonly metric?: MetricName;
  /** Stop after this many trials. With `maxTrials` outcomes are told in trial order: reproducible to the bit. */
  readonly maxTrials?: number;
  /** Wall-clock budget in seconds for the whole run, ensemble building included (not reproducible). */
  readonly timeBudget?: number;
  /**
   * Seconds of `timeBudget` kept for the caller's ensemble step (default: sized for GES on data of this shape by
   * `finishReserveSeconds`; the API passes the reserve of the ensemble method it will run).
   */
  readonly reserveSeconds?: number;
  /** Seconds one trial (all its folds) may take (default: a fifth of the training time, up to a third on large data; see budget.ts). */
  readonly perTrialTimeLimit?: number;
  /**
   * Estimated seconds of a typical strong trial on this data (a default boosted-trees trial): raises the default
   * per-trial limit on large data (see `defaultTrialLimitSeconds`). `autoEnsemble` passes the families' estimate.
   */
  readonly typicalTrialSeconds?: number;
  /** Fold-level racing: stop trials clearly worse than the best so far after their first folds (default true). */
  readonly pruning?: boolean;
  /** The racing bound's gap, in (0, 1] (default 0.5; see racing.ts). */
  readonly pruneGap?: number;
  /** CPU worker threads (default: available parallelism). */
  readonly concurrency?: number;
  /** GPU worker threads for neural trials (default: one per visible GPU when the GPU backend is usable, else 0). */
  readonly gpuThreads?: number;
  /** JS heap limit per worker in MB (default: half the machine's memory shared by the threads, 512..8192). */
  readonly memoryLimitMb?: number;
  /** Seconds a worker gets to stop after its abort signal before it is terminated (default 1). */
  readonly graceSeconds?: number;
  /** Tell outcomes in trial order (default: true when `maxTrials` is set). */
  readonly ordered?: boolean;
  /** User-defined member families: module paths or URLs exporting `families` (see docs/store-and-training.md). */
  readonly familyModules?: readonly string[];
  /** Neural backend request passed to every fit (default 'auto'). */
  readonly backend?: string;
  /**
   * Where trials run (default: worker threads in this process). A distributed executor (src/distributed/) runs
   * them on worker processes through a queue; this process stays the only writer of the store.
   */
  readonly executor?: ExecutorFactory;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Cancels the run: no new trials, running ones are aborted. */
  readonly signal?: AbortSignal;
}

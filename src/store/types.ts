import type { Task } from '../data/dataset.js';
import type { Combiner } from '../ensemble/types.js';
import type { Predictions } from '../metrics/types.js';
import type { Config, SerializedMember } from '../models/types.js';
import type { FeatureSchema } from '../data/feature-schema.js';

/** Lifecycle of a run. 'running' while a process works on it; a resumed run goes back to 'running'. */
export type RunStatus = 'running' | 'done' | 'failed';

/**
 * Lifecycle of a trial: queued -> running -> done | failed | timeout | pruned.
 * The four last states are final. 'pruned': stopped after some folds because it was clearly worse than the best
 * trial so far (fold-level racing); it has no predictions and never enters an ensemble. 'running' goes back to
 * 'queued' only when a run is reopened after its process died (see `Store.reopenRun`).
 */
export type TrialStatus = 'queued' | 'running' | 'done' | 'failed' | 'timeout' | 'pruned';
export type FinalTrialStatus = 'done' | 'failed' | 'timeout' | 'pruned';

/** Every trial status, in lifecycle order (for counting and listing). */
export const TRIAL_STATUSES: readonly TrialStatus[] = ['queued', 'running', 'done', 'failed', 'timeout', 'pruned'];

/** How many of `trials` are in each status (every status present, 0 when none). */
export function countTrialsByStatus(trials: readonly { readonly status: TrialStatus }[]): Record<TrialStatus, number> {
  const counts = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<TrialStatus, number>;
  for (const t of trials) counts[t.status]++;
  return counts;
}

/**
 * 'oof' / 'test': predictions (rows x nOutputs). 'oof-variance' / 'test-variance': the member's predicted variance of
 * the target for the same rows (rows x 1), stored only for regression members that predict one.
 */
export type PredictionKind = 'oof' | 'test' | 'oof-variance' | 'test-variance';

/** The process that works on a run; lets a resume tell a dead owner from a live one. */
export interface RunOwner {
  readonly pid: number;
  readonly host: string;
  /**
   * When the process started, as the OS tells it (Linux: the start time in /proc/PID/stat), so that a pid reused by
   * another process is not taken for the owner. Absent where the OS does not tell.
   */
  readonly started?: string;
}

export interface NewRun {
  readonly datasetName: string;
  /** Hash of the training data (see fingerprint.ts): a resume checks it was given the same data. */
  readonly datasetFingerprint: string;
  readonly task: Task;
  readonly metric: string;
  readonly seed: number;
  /** Training rows and prediction width (k): every stored OOF prediction of the run is nRows x nOutputs. */
  readonly nRows: number;
  readonly nOutputs: number;
  /** Run options as plain JSON (budgets, folds, concurrency, plugin modules ...). */
  readonly options: unknown;
  readonly owner: RunOwner;
}

export interface RunRecord extends Omit<NewRun, 'owner'> {
  readonly id: number;
  readonly status: RunStatus;
  readonly owner: RunOwner | null;
  /** ms since epoch. */
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly error: string | null;
  /** ms since epoch of the owner's last sign of life (see `Store.heartbeat`); null before the first. */
  readonly heartbeatAt: number | null;
  /** Training seconds the run has used over all its sessions (a resume goes on with the rest of its budget). */
  readonly trainingSeconds: number;
}

export interface NewTrial {
  /** 0-based, consecutive, unique within its run: the order the search proposed it. */
  readonly number: number;
  readonly family: string;
  readonly config: Config;
  /** Seed of the member fit (derived from the run seed and the trial number). */
  readonly seed: number;
}

export interface TrialRecord extends NewTrial {
  readonly id: number;
  readonly runId: number;
  readonly status: TrialStatus;
  readonly error: string | null;
  /** Seconds the worker spent fitting and predicting all folds. */
  readonly fitSeconds: number | null;
  /** Metric of the out-of-fold predictions as users read it, and oriented lower-is-better. */
  readonly validationScore: number | null;
  readonly validationLoss: number | null;
  /** Which worker (lane and thread) ran it, and the compute backend it used. */
  readonly worker: string | null;
  readonly backend: string | null;
  /**
   * Times the trial was started: more than 1 when a dead process left it running and a resume redid it, or when
   * a distributed worker died running it and the queue gave it to another.
   */
  readonly attempts: number;
  readonly queuedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Validation loss of each fold the trial finished (done: all folds; pruned: those before it was stopped). */
  readonly foldLosses: readonly number[] | null;
}

/** What a successful trial produced. Predictions are row-major (rows x nOutputs), stored as float32. */
export interface TrialSuccess {
  readonly validationScore: number;
  readonly validationLoss: number;
  readonly fitSeconds: number;
  readonly oof: Predictions;
  readonly test?: Predictions;
  /** Predicted variances (rows x 1) of a regression member that predicts one, for the OOF and test rows. */
  readonly oofVariance?: Predictions;
  readonly testVariance?: Predictions;
  /** One serialized model per fold; the member predicts the average of them. */
  readonly models: readonly SerializedMember[];
  /** The worker that ran it, when known only at the end (replaces the one given to startTrial). */
  readonly worker?: string;
  /** Extra starts by the executor after its worker died (a distributed retry): added to `attempts`. */
  readonly retries?: number;
  /** The compute backend that actually ran it (replaces the one given to startTrial). */
  readonly backend?: string;
  /** Validation loss on each fold's held-out rows, in fold order. */
  readonly foldLosses?: readonly number[];
}

/** A trial stopped by fold-level racing: the losses of the folds it finished and why it was stopped. */
export interface TrialPruning {
  readonly foldLosses: readonly number[];
  readonly reason: string;
  readonly fitSeconds?: number;
  readonly worker?: string;
  /** Extra starts by the executor after its worker died (a distributed retry): added to `attempts`. */
  readonly retries?: number;
  readonly backend?: string;
}

export interface TrialFailure {
  readonly status: 'failed' | 'timeout';
  readonly error: string;
  readonly fitSeconds?: number;
  readonly worker?: string;
  /** Extra starts by the executor after its worker died (a distributed retry): added to `attempts`. */
  readonly retries?: number;
  readonly backend?: string;
}

export interface StoredPredictions {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float32Array;
}

/**
 * Predictions of several trials in one block: trial-major, each trial a row-major rows x cols slab,
 * so `member(i)` is a zero-copy view usable as `Predictions`.
 */
export interface PredictionMatrix<A extends Float32Array | Float64Array = Float32Array | Float64Array> {
  readonly trialIds: readonly number[];
  readonly rows: number;
  readonly cols: number;
  readonly values: A;
  member(index: number): A;
}

export interface NewEnsemble {
  readonly method: string;
  readonly combiner: Combiner;
  readonly validationScore: number;
  readonly trajectory: readonly number[];
  /** Anything else worth keeping (selector options, test score): plain JSON. */
  readonly details?: unknown;
}

export interface EnsembleRecord extends NewEnsemble {
  readonly id: number;
  readonly runId: number;
  readonly createdAt: number;
}

/**
 * What a run needs besides its trials to be re-ensembled and exported without the original data:
 * the training labels (class codes or values, in training-row order) and the data's schema.
 */
export interface RunContext {
  readonly datasetName: string;
  readonly task: Task;
  readonly targetName: string;
  /** Class names in code order (empty for regression). */
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  readonly labels: Int32Array | Float64Array;
  readonly nOutputs: number;
}

/** Thrown for a misuse of the store: unknown ids, illegal state changes, shape mismatches. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/**
 * Where runs, trials, predictions, fitted models and ensembles live. The only module that speaks SQL.
 *
 * Contract (checked for every implementation by test/store/store-conformance.test.ts):
 * - Every write method is atomic: it happens completely or not at all, also when the process is killed
 *   (SIGKILL) in the middle. In particular `finishTrial` writes the trial's status, scores, predictions and
 *   fold models in one transaction: a trial is 'done' exactly when its predictions and models are stored.
 * - A trial in a final state (done, failed, timeout) never changes again, nor do its predictions and models;
 *   trying to change it throws StoreError. Ensembles are append-only.
 * - Trial state changes are checked: start needs 'queued', finish/fail need 'running' (fail also accepts
 *   'queued', for a trial that could not start). Anything else throws StoreError.
 * - Trial numbers are unique within a run (enqueueing a taken number throws).
 * - `reopenRun` is how a resume begins: in one transaction it marks the run running under a new owner and
 *   puts every 'running' trial back to 'queued' (their process is gone), keeping their number, config and seed.
 * - Reads return copies: mutating a returned object or array never changes the store.
 * - Predictions are stored as little-endian float32; reading gives back exactly the stored float32 values.
 * - One instance is used from one thread. Several processes may open the same database: writes are
 *   serialized by the implementation (SQLite locking, WAL), readers see only committed data.
 */
export interface Store {
  createRun(run: NewRun): RunRecord;
  getRun(runId: number): RunRecord | undefined;
  /** All runs, newest first. */
  listRuns(): RunRecord[];
  finishRun(runId: number, status: 'done' | 'failed', error?: string): void;
  /** Mark the run running under `owner` and re-queue its 'running' trials; returns how many were re-queued. */
  reopenRun(runId: number, owner: RunOwner): number;
  /** The owner is alive: set the run's heartbeat to now. */
  heartbeat(runId: number): void;
  /** Add `seconds` of training time to the run's total. */
  addTrainingSeconds(runId: number, seconds: number): void;

  enqueueTrial(runId: number, trial: NewTrial): TrialRecord;
  /** queued -> running; counts an attempt. */
  startTrial(trialId: number, worker: string, backend?: string): void;
  /** running -> done, with predictions and models, in one transaction. */
  finishTrial(trialId: number, result: TrialSuccess): void;
  /** running|queued -> failed|timeout, with the error text. */
  failTrial(trialId: number, failure: TrialFailure): void;
  /** running -> pruned, with the finished folds' losses and the reason. */
  pruneTrial(trialId: number, pruning: TrialPruning): void;

  getTrial(trialId: number): TrialRecord | undefined;
  /** Trials of a run in trial-number order, optionally only those with the given statuses. */
  listTrials(runId: number, statuses?: readonly TrialStatus[]): TrialRecord[];
  /** Done trials of a run, best (lowest validation loss) first; ties by trial number. */
  leaderboard(runId: number, limit?: number): TrialRecord[];

  getPredictions(trialId: number, kind: PredictionKind): StoredPredictions | undefined;
  /** Predictions of the given trials, in the given order; throws if one is missing or shapes differ. */
  readPredictions(trialIds: readonly number[], kind: PredictionKind, dtype: 'float32'): PredictionMatrix<Float32Array>;
  readPredictions(trialIds: readonly number[], kind: PredictionKind, dtype: 'float64'): PredictionMatrix<Float64Array>;
  /** The fold models of a done trial, in fold order (empty for a trial without models). */
  getModels(trialId: number): SerializedMember[];

  /** Record the run's context once (a second call for the same run throws). */
  saveRunContext(runId: number, context: RunContext): void;
  getRunContext(runId: number): RunContext | undefined;

  saveEnsemble(runId: number, ensemble: NewEnsemble): EnsembleRecord;
  /** Ensembles of a run, oldest first. */
  listEnsembles(runId: number): EnsembleRecord[];

  close(): void;
}

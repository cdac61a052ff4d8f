import type { Lane, TrialReply, TrialTask, WorkerRunData } from './types.js';

/** A trial's end as the run loop sees it: the worker's reply, plus where and how often it ran. */
export type TrialResult = TrialReply & {
  readonly lane: Lane;
  /** Where it ran, for the store: `cpu/thread-3` in the local pool, `host:pid/cpu/thread-3` on a remote worker. */
  readonly worker: string;
  /** Times the executor started the trial for this submission: 1, or more when a worker died and it was retried. */
  readonly attempts: number;
};

/**
 * Runs trials: the one thing the run loop (`RunSession`) knows about where training happens. Implemented by the
 * local worker-thread pool (`TrialPool`) and the distributed executor over a Redis queue (`src/distributed/`).
 *
 * Contract (checked for every implementation by test/training/executor-conformance.ts):
 * - `run(task, lane, signal)` never rejects for anything the trial does: a failing, crashing, timed-out or
 *   out-of-memory trial resolves as `ok: false` with the reason in `error`. It rejects only when the executor
 *   itself is unusable (closed).
 * - Results are those of `crossFit` on the run's data with the task's family, config and seed: the same task
 *   gives the same predictions to the bit, whichever implementation ran it.
 * - Time limits: the fit is asked to stop at `task.deadline` (its AbortSignal fires) and is stopped by force a
 *   grace period later; either way the result is `status: 'timeout'`. A deadline of Infinity means no limit.
 * - Cancel: aborting `signal` stops the trial (it resolves `ok: false`) and frees its slot; other trials go on.
 * - Resume: `task.number` identifies the trial within its run. Submitting a number again (after the previous
 *   submitter died, or to the same executor) yields that trial's result: an executor that kept the first
 *   execution (the distributed one) attaches to it instead of training again; one that cannot (the local pool)
 *   trains again, with the same result.
 * - `slots(lane)` is how many trials of that lane the run loop keeps in flight; it is fixed for the executor's
 *   life, so a run's trial order (and with `maxTrials`, its results) depends only on it and the seed.
 * - `close()` stops running trials and releases threads, connections and timers; a closed executor rejects `run`.
 */
export interface TrialExecutor {
  slots(lane: Lane): number;
  run(task: TrialTask, lane: Lane, signal?: AbortSignal): Promise<TrialResult>;
  close(): Promise<void>;
}

/** What an executor is built from, for one run. */
export interface ExecutorSetup {
  /** The run's data (typed arrays on SharedArrayBuffers). */
  readonly runData: WorkerRunData;
  /** Stable identity of the run, the same for every process that works on it (a resume gets the same key). */
  readonly runKey: string;
  /** Trials in flight at once on the CPU lane (the run's `concurrency`). */
  readonly concurrency: number;
  readonly gpuThreads: number;
  /** JS heap limit per worker thread, MB (the local pool's). */
  readonly memoryLimitMb: number;
  /** How long a trial gets to stop after its deadline before it is stopped by force, ms. */
  readonly graceMs: number;
}

/** Builds the executor of a run (`RunOptions.executor`); the default is the local pool. */
export type ExecutorFactory = (setup: ExecutorSetup) => Promise<TrialExecutor>;

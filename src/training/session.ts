import type { Dataset } from '../data/dataset.js';
import type { AskContext, Proposer, TrialOutcome, TrialProposal } from '../search/types.js';
import { countTrialsByStatus, type RunRecord, type Store, type TrialRecord } from '../store/types.js';
import { deriveSeed } from '../util/random.js';
import type { RunClock } from './budget.js';
import { laneOf } from './lanes.js';
import type { TrialExecutor, TrialResult } from './executor.js';
import { DEFAULT_PRUNE_GAP, type PruneRule } from './racing.js';
import type { BestSoFar, Lane, ProgressEvent, RunSummary, StopReason, StoredRunOptions } from './types.js';

export interface SessionContext {
  readonly store: Store;
  readonly run: RunRecord;
  readonly options: StoredRunOptions;
  readonly dataset: Dataset;
  readonly proposer: Proposer;
  /** Runs the trials (local threads or remote workers: the session never knows which). */
  readonly executor: TrialExecutor;
  readonly clock: RunClock;
  readonly startedAt: number;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

/** How often the owner of a running run writes its heartbeat (a resume elsewhere treats 6 missed beats as death). */
export const HEARTBEAT_MS = 5000;

/**
 * One process working on one run: keeps every worker thread busy with trials the proposer asks for, records
 * each trial queued -> running -> done/failed/timeout/pruned, tells the proposer the outcomes, and stops on budget.
 *
 * Time: every trial gets the clock's per-trial limit (or what is left of training, if less). The proposer is told
 * how many seconds a trial may still take and proposes only what it predicts to fit; when nothing fits, the
 * session waits for running trials (whose outcomes refine the predictions) and asks again. The run stops only
 * when the training deadline passes, or when the proposer has nothing that fits while no trial runs
 * ('nothing-fits', with the seconds that were left).
 *
 * Racing: each trial is sent with the fold losses of the best finished trial (see racing.ts); a trial clearly
 * worse after its first folds comes back pruned, and its time goes to the next proposal.
 *
 * Ordered mode (the default with `maxTrials`) makes the run a pure function of the seed: outcomes are told one
 * at a time in trial-number order, and trial t is asked right after outcome t - W was told (W = worker threads),
 * with the untold trials as pending; trial t races against the best of trials 0..t-W. A free thread may wait for
 * a slow older trial: reproducibility costs some utilization. Greedy mode tells outcomes as they arrive and asks
 * as soon as a thread is free.
 */
export class RunSession {
  private readonly trials = new Map<number, TrialRecord>();
  private readonly queue: TrialRecord[] = [];
  private readonly running = new Map<number, Promise<void>>();
  private readonly busy: Record<Lane, number> = { cpu: 0, gpu: 0 };
  private readonly outcomes = new Map<number, TrialOutcome>();
  /** Fold losses of done trials: what later trials race against. */
  private readonly foldLosses = new Map<number, readonly number[]>();
  private readonly told = new Set<number>();
  private toldPrefix = 0;
  private nextNumber = 0;
  /** Why no more trials are asked for; time budget and cancellation also stop queued trials from starting. */
  private stop: StopReason | null = null;
  private noStarts = false;
  /** Training seconds that were left when the run stopped asking (reported with the stop reason). */
  private secondsLeftAtStop = 0;
  private best: BestSoFar | null = null;
  private finished = 0;
  /** Set when execute() has returned or thrown: late results (from a pool being destroyed) are not recorded. */
  private closed = false;
  private readonly capacity: number;

  constructor(private readonly ctx: SessionContext) {
    this.capacity = ctx.executor.slots('cpu') + ctx.executor.slots('gpu');
  }

  /** Take over the run's stored trials: final ones become outcomes to tell, queued ones wait for a thread. */
  adopt(existing: readonly TrialRecord[]): void {
    for (const trial of existing) {
      this.trials.set(trial.number, trial);
      this.nextNumber = Math.max(this.nextNumber, trial.number + 1);
      if (trial.status === 'queued') this.queue.push(trial);
      else if (trial.status !== 'running') {
        if (trial.status === 'done' && trial.foldLosses !== null) this.foldLosses.set(trial.number, trial.foldLosses);
        this.recordOutcome(this.storedOutcome(trial), trial.validationScore ?? NaN);
      }
    }
  }

  async execute(): Promise<RunSummary> {
    const onCancel = (): void => this.halt('cancelled');
    this.ctx.signal?.addEventListener('abort', onCancel, { once: true });
    if (this.ctx.signal?.aborted === true) this.halt('cancelled');
    const heartbeat = setInterval(() => this.ctx.store.heartbeat(this.ctx.run.id), HEARTBEAT_MS);
    heartbeat.unref();
    try {
      await this.tellAndAsk();
      while (true) {
        if (this.ctx.clock.expired()) this.halt('time-budget');
        this.dispatch();
        if (this.running.size === 0) {
          if (this.noStarts || this.queue.length === 0) break;
          throw new Error('internal: queued trials but no thread can take them');
        }
        await Promise.race(this.running.values());
        await this.tellAndAsk();
      }
      this.tellRemaining();
    } finally {
      clearInterval(heartbeat);
      this.closed = true;
      this.ctx.signal?.removeEventListener('abort', onCancel);
      this.ctx.store.addTrainingSeconds(this.ctx.run.id, (Date.now() - this.ctx.startedAt) / 1000);
    }
    return this.summary();
  }

  // ---- asking and telling ----

  private async tellAndAsk(): Promise<void> {
    if (this.ctx.options.ordered) {
      await this.askOrdered();
      while (this.outcomes.has(this.toldPrefix) && !this.told.has(this.toldPrefix)) {
        this.tell([this.outcomes.get(this.toldPrefix)!]);
        await this.askOrdered();
      }
    } else {
      this.tell([...this.outcomes.values()].filter((o) => !this.told.has(o.trialId)).sort((a, b) => a.trialId - b.trialId));
      await this.askGreedy();
    }
  }

  private tell(outcomes: readonly TrialOutcome[]): void {
    if (outcomes.length === 0) return;
    this.ctx.proposer.tell(outcomes);
    for (const o of outcomes) this.told.add(o.trialId);
    while (this.told.has(this.toldPrefix)) this.toldPrefix++;
  }

  private tellRemaining(): void {
    const rest = [...this.outcomes.values()].filter((o) => !this.told.has(o.trialId)).sort((a, b) => a.trialId - b.trialId);
    this.tell(rest);
  }

  private async askOrdered(): Promise<void> {
    await this.ask(this.toldPrefix + this.capacity - this.nextNumber);
  }

  private async askGreedy(): Promise<void> {
    await this.ask(this.capacity - this.running.size - this.queue.length);
  }

  private async ask(wanted: number): Promise<void> {
    const { maxTrials } = this.ctx.options;
    const { clock } = this.ctx;
    const n = Math.min(wanted, maxTrials === undefined ? Infinity : maxTrials - this.nextNumber);
    if (this.stop !== null) return;
    if (maxTrials !== undefined && this.nextNumber >= maxTrials) return this.halt('max-trials');
    if (n <= 0) return;
    if (clock.expired()) return this.halt('time-budget');
    const pending: TrialProposal[] = [];
    for (const [number, trial] of this.trials) {
      if (!this.told.has(number)) pending.push({ family: trial.family, config: trial.config });
    }
    const context = this.askContext();
    let proposals = await this.ctx.proposer.ask(n, pending, context);
    const idle = this.running.size === 0 && this.queue.length === 0 && this.told.size === this.outcomes.size;
    if (proposals.length === 0) {
      // Nothing the proposer predicts to fit in the time left. With trials running, their outcomes come first
      // (durations refine the predictions); when idle, find out whether anything is left at all.
      if (!idle) return;
      const unconstrained = await this.ctx.proposer.ask(n, pending, { ...context, secondsLeft: Infinity });
      if (unconstrained.length === 0) return this.halt('exhausted');
      // A run without any member would have nothing to ensemble: its first trial runs whatever the prediction
      // (the cheapest proposal; families that stop early make a member by the deadline).
      if (this.hasMember()) return this.halt('nothing-fits');
      proposals = unconstrained.slice(0, 1);
    }
    for (const proposal of proposals.slice(0, n)) {
      if (this.stop !== null) return;
      const number = this.nextNumber++;
      const seed = deriveSeed(this.ctx.run.seed, number);
      const record = this.ctx.store.enqueueTrial(this.ctx.run.id, { number, family: proposal.family, config: proposal.config, seed });
      this.trials.set(number, record);
      this.queue.push(record);
    }
  }

  /** What the proposer is told about time: seconds a trial may still take, the limit, and the budget used. */
  private askContext(): AskContext {
    const { clock, options, startedAt } = this.ctx;
    const secondsLeft = Math.min(clock.secondsLeft(), clock.trialLimitSeconds);
    const trainingSeconds = (clock.trainingDeadline - startedAt) / 1000;
    const byTime = Number.isFinite(trainingSeconds) && trainingSeconds > 0 ? 1 - clock.secondsLeft() / trainingSeconds : 0;
    const byTrials = options.maxTrials === undefined ? 0 : this.nextNumber / options.maxTrials;
    return { secondsLeft, trialLimit: clock.trialLimitSeconds, progress: Math.min(1, Math.max(byTime, byTrials)) };
  }

  private hasMember(): boolean {
    for (const o of this.outcomes.values()) if (o.status === 'done') return true;
    return false;
  }

  private halt(reason: StopReason): void {
    if (this.stop === null) {
      this.stop = reason;
      this.secondsLeftAtStop = this.ctx.clock.secondsLeft();
    }
    if (reason === 'time-budget' || reason === 'cancelled') this.noStarts = true;
  }

  // ---- running trials ----

  /** Start queued trials (in trial order) on lanes with a free thread. */
  private dispatch(): void {
    if (this.noStarts) return;
    for (let i = 0; i < this.queue.length; ) {
      const trial = this.queue[i]!;
      const lane = laneOf(trial.family, this.ctx.options.gpuThreads);
      if (this.busy[lane] < this.ctx.executor.slots(lane)) {
        this.queue.splice(i, 1);
        this.start(trial, lane);
      } else {
        i++;
      }
    }
  }

  private start(trial: TrialRecord, lane: Lane): void {
    const { store, options, clock } = this.ctx;
    const now = Date.now();
    const deadline = clock.trialDeadline(now);
    // The backend is stored when the trial ends: the one that actually ran (a GPU lane can fall back).
    const backend = options.backend;
    store.startTrial(trial.id, lane);
    this.busy[lane]++;
    this.emit({ type: 'trial-started', runId: trial.runId, trial: trial.number, family: trial.family, lane, timeLeft: clock.secondsLeft() });
    const prune = this.pruneRule(trial.number);
    const task = {
      number: trial.number,
      family: trial.family,
      config: trial.config,
      seed: trial.seed,
      deadline,
      ...(backend === undefined ? {} : { backend }),
      ...(prune === undefined ? {} : { prune }),
    };
    const done = this.ctx.executor.run(task, lane, this.ctx.signal).then((result) => {
      this.busy[lane]--;
      this.complete(trial, result, (Date.now() - now) / 1000, deadline !== Infinity && deadline === clock.trainingDeadline);
      // Only after a successful record: a failed store write keeps the rejected promise for the loop's race.
      this.running.delete(trial.number);
    });
    this.running.set(trial.number, done);
  }

  /**
   * What trial `number` races against: the done trial with the lowest loss among those told before it was asked
   * (ordered mode: trials 0..number - W, so the rule is a function of the seed) or finished so far (greedy mode).
   */
  private pruneRule(number: number): PruneRule | undefined {
    if (this.ctx.options.pruning === false) return undefined;
    const horizon = this.ctx.options.ordered ? number - this.capacity : Infinity;
    let best: { trial: number; loss: number } | undefined;
    for (const trial of this.foldLosses.keys()) {
      if (trial > horizon) continue;
      const loss = this.outcomes.get(trial)!.loss!;
      if (best === undefined || loss < best.loss || (loss === best.loss && trial < best.trial)) best = { trial, loss };
    }
    if (best === undefined) return undefined;
    return { incumbent: best.trial, against: this.foldLosses.get(best.trial)!, gap: this.ctx.options.pruneGap ?? DEFAULT_PRUNE_GAP, minFolds: 1 };
  }

  private complete(trial: TrialRecord, result: TrialResult, seconds: number, cutByBudget: boolean): void {
    // A cancelled or failed session leaves its aborted trials 'running': a resume re-queues them.
    if (this.closed || (this.ctx.signal?.aborted === true && !result.ok)) return;
    const { store, clock } = this.ctx;
    const { worker } = result;
    const retried = result.attempts > 1 ? { retries: result.attempts - 1 } : {};
    const base = { trialId: trial.number, family: trial.family, config: trial.config, seconds: result.fitSeconds };
    if (result.ok) {
      store.finishTrial(trial.id, {
        validationScore: result.validationScore,
        validationLoss: result.validationLoss,
        fitSeconds: result.fitSeconds,
        oof: result.oof,
        ...(result.test === undefined ? {} : { test: result.test }),
        ...(result.oofVariance === undefined ? {} : { oofVariance: result.oofVariance }),
        ...(result.testVariance === undefined ? {} : { testVariance: result.testVariance }),
        models: result.models,
        worker,
        ...retried,
        foldLosses: result.foldLosses,
        ...(result.backend === undefined ? {} : { backend: result.backend }),
      });
      this.foldLosses.set(trial.number, result.foldLosses);
      this.recordOutcome({ ...base, status: 'done', loss: result.validationLoss, predictions: result.oof }, result.validationScore);
    } else if (result.status === 'pruned') {
      store.pruneTrial(trial.id, {
        foldLosses: result.foldLosses,
        reason: result.error,
        fitSeconds: result.fitSeconds,
        worker,
        ...retried,
        ...(result.backend === undefined ? {} : { backend: result.backend }),
      });
      this.recordOutcome({ ...base, seconds: fullTrialSeconds(result.fitSeconds, result.foldLosses.length, this.ctx.options.folds), status: 'pruned', loss: mean(result.foldLosses) });
    } else {
      const why = cutByBudget ? "stopped at the run's time budget" : `exceeded the per-trial time limit (${clock.trialLimitSeconds.toFixed(1)} s)`;
      const error = result.status === 'timeout' ? `${why}: ${result.error}` : result.error;
      store.failTrial(trial.id, { status: result.status, error, fitSeconds: result.fitSeconds, worker, ...retried, ...(result.backend === undefined ? {} : { backend: result.backend }) });
      this.recordOutcome({ ...base, status: result.status });
    }
    this.emit({
      type: 'trial-finished',
      runId: trial.runId,
      trial: trial.number,
      family: trial.family,
      status: result.ok ? 'done' : result.status,
      ...(result.ok ? { validationScore: result.validationScore } : { error: result.error }),
      seconds,
      best: this.best,
      finished: this.finished,
      timeLeft: clock.secondsLeft(),
    });
  }

  private recordOutcome(outcome: TrialOutcome, validationScore?: number): void {
    this.outcomes.set(outcome.trialId, outcome);
    this.finished++;
    if (outcome.status === 'done' && (this.best === null || outcome.loss! < this.best.validationLoss)) {
      this.best = { trial: outcome.trialId, family: outcome.family, validationScore: validationScore ?? NaN, validationLoss: outcome.loss! };
    }
  }

  /** The outcome a stored final trial was told with: same loss, same float32 predictions, same duration. */
  private storedOutcome(trial: TrialRecord): TrialOutcome {
    const base = { trialId: trial.number, family: trial.family, config: trial.config, ...(trial.fitSeconds === null ? {} : { seconds: trial.fitSeconds }) };
    if (trial.status === 'pruned') {
      const seconds = fullTrialSeconds(trial.fitSeconds ?? NaN, trial.foldLosses?.length ?? 0, this.ctx.options.folds);
      return { ...base, ...(Number.isFinite(seconds) ? { seconds } : {}), status: 'pruned', loss: mean(trial.foldLosses ?? []) };
    }
    if (trial.status !== 'done') return { ...base, status: trial.status as 'failed' | 'timeout' };
    const predictions = this.ctx.store.getPredictions(trial.id, 'oof');
    if (predictions === undefined) throw new Error(`done trial ${trial.number} of run ${trial.runId} has no stored OOF predictions`);
    return { ...base, status: 'done', loss: trial.validationLoss ?? NaN, predictions: predictions.values };
  }

  private emit(event: ProgressEvent): void {
    this.ctx.onProgress?.(event);
  }

  private summary(): RunSummary {
    const { clock } = this.ctx;
    return {
      runId: this.ctx.run.id,
      stoppedBy: this.stop ?? 'exhausted',
      secondsLeft: this.stop === null ? clock.secondsLeft() : this.secondsLeftAtStop,
      trialLimitSeconds: clock.trialLimitSeconds,
      trials: countTrialsByStatus(this.ctx.store.listTrials(this.ctx.run.id)),
      best: this.best,
      elapsedSeconds: (Date.now() - this.ctx.startedAt) / 1000,
      ensembleDeadline: clock.finishDeadline,
    };
  }
}

/**
 * What a pruned trial would have cost with all its folds (the search learns costs from durations, and a trial
 * stopped after one fold of five is not a cheap configuration).
 */
function fullTrialSeconds(seconds: number, foldsDone: number, folds: number): number {
  return foldsDone > 0 ? (seconds * folds) / foldsDone : seconds;
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

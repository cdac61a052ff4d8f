import type { Dataset } from '../data/dataset.js';
import type { Proposer, TrialOutcome, TrialProposal } from '../search/types.js';
import type { RunRecord, Store, TrialRecord, TrialStatus } from '../store/types.js';
import { deriveSeed } from '../util/random.js';
import type { RunClock } from './budget.js';
import { laneOf } from './lanes.js';
import type { PoolResult, TrialPool } from './pool.js';
import type { BestSoFar, Lane, ProgressEvent, RunSummary, StopReason, StoredRunOptions } from './types.js';

export interface SessionContext {
  readonly store: Store;
  readonly run: RunRecord;
  readonly options: StoredRunOptions;
  readonly dataset: Dataset;
  readonly proposer: Proposer;
  readonly pool: TrialPool;
  readonly clock: RunClock;
  readonly startedAt: number;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

/**
 * One process working on one run: keeps every worker thread busy with trials the proposer asks for, records
 * each trial queued -> running -> done/failed/timeout, tells the proposer the outcomes, and stops on budget.
 *
 * Ordered mode (the default with `maxTrials`) makes the run a pure function of the seed: outcomes are told one
 * at a time in trial-number order, and trial t is asked right after outcome t - W was told (W = worker threads),
 * with the untold trials as pending. A free thread may wait for a slow older trial: reproducibility costs some
 * utilization. Greedy mode tells outcomes as they arrive and asks as soon as a thread is free.
 */
export class RunSession {
  private readonly trials = new Map<number, TrialRecord>();
  private readonly queue: TrialRecord[] = [];
  private readonly running = new Map<number, Promise<void>>();
  private readonly busy: Record<Lane, number> = { cpu: 0, gpu: 0 };
  private readonly outcomes = new Map<number, TrialOutcome>();
  private readonly told = new Set<number>();
  private toldPrefix = 0;
  private nextNumber = 0;
  /** Why no more trials are asked for; time budget and cancellation also stop queued trials from starting. */
  private stop: StopReason | null = null;
  private noStarts = false;
  private best: BestSoFar | null = null;
  private finished = 0;
  /** Set when execute() has returned or thrown: late results (from a pool being destroyed) are not recorded. */
  private closed = false;
  private readonly capacity: number;

  constructor(private readonly ctx: SessionContext) {
    this.capacity = ctx.pool.threads('cpu') + ctx.pool.threads('gpu');
  }

  /** Take over the run's stored trials: final ones become outcomes to tell, queued ones wait for a thread. */
  adopt(existing: readonly TrialRecord[]): void {
    for (const trial of existing) {
      this.trials.set(trial.number, trial);
      this.nextNumber = Math.max(this.nextNumber, trial.number + 1);
      if (trial.status === 'queued') this.queue.push(trial);
      else if (trial.status !== 'running') this.recordOutcome(this.storedOutcome(trial), trial.validationScore ?? NaN);
    }
  }

  async execute(): Promise<RunSummary> {
    const onCancel = (): void => this.halt('cancelled');
    this.ctx.signal?.addEventListener('abort', onCancel, { once: true });
    if (this.ctx.signal?.aborted === true) this.halt('cancelled');
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
      this.closed = true;
      this.ctx.signal?.removeEventListener('abort', onCancel);
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
    const n = Math.min(wanted, maxTrials === undefined ? Infinity : maxTrials - this.nextNumber);
    if (this.stop !== null) return;
    if (maxTrials !== undefined && this.nextNumber >= maxTrials) return this.halt('max-trials');
    if (n <= 0) return;
    if (!this.ctx.clock.fits(this.ctx.clock.estimate())) return this.halt('time-budget');
    const pending: TrialProposal[] = [];
    for (const [number, trial] of this.trials) {
      if (!this.told.has(number)) pending.push({ family: trial.family, config: trial.config });
    }
    const proposals = await this.ctx.proposer.ask(n, pending);
    const idle = this.running.size === 0 && this.queue.length === 0 && this.told.size === this.outcomes.size;
    if (proposals.length === 0 && idle) return this.halt('exhausted');
    for (const proposal of proposals.slice(0, n)) {
      if (this.stop !== null) return;
      if (!this.ctx.clock.fits(this.ctx.clock.estimate(proposal.family))) return this.halt('time-budget');
      const number = this.nextNumber++;
      const seed = deriveSeed(this.ctx.run.seed, number);
      const record = this.ctx.store.enqueueTrial(this.ctx.run.id, { number, family: proposal.family, config: proposal.config, seed });
      this.trials.set(number, record);
      this.queue.push(record);
    }
  }

  private halt(reason: StopReason): void {
    this.stop ??= reason;
    if (reason === 'time-budget' || reason === 'cancelled') this.noStarts = true;
  }

  // ---- running trials ----

  /** Start queued trials (in trial order) on lanes with a free thread. */
  private dispatch(): void {
    if (this.noStarts) return;
    for (let i = 0; i < this.queue.length; ) {
      const trial = this.queue[i]!;
      const lane = laneOf(trial.family, this.ctx.options.gpuThreads);
      if (this.busy[lane] < this.ctx.pool.threads(lane)) {
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
    const trialLimit = options.perTrialTimeLimit === undefined ? Infinity : now + options.perTrialTimeLimit * 1000;
    const deadline = Math.min(trialLimit, clock.trainingDeadline);
    // The backend is stored when the trial ends: the one that actually ran (a GPU lane can fall back).
    const backend = options.backend;
    store.startTrial(trial.id, lane);
    this.busy[lane]++;
    this.emit({ type: 'trial-started', runId: trial.runId, trial: trial.number, family: trial.family, lane, timeLeft: clock.secondsLeft() });
    const task = { family: trial.family, config: trial.config, seed: trial.seed, deadline, ...(backend === undefined ? {} : { backend }) };
    const done = this.ctx.pool.run(task, lane, this.ctx.signal).then((result) => {
      this.busy[lane]--;
      this.complete(trial, result, (Date.now() - now) / 1000, deadline !== Infinity && deadline === clock.trainingDeadline);
      // Only after a successful record: a failed store write keeps the rejected promise for the loop's race.
      this.running.delete(trial.number);
    });
    this.running.set(trial.number, done);
  }

  private complete(trial: TrialRecord, result: PoolResult, seconds: number, cutByBudget: boolean): void {
    // A cancelled or failed session leaves its aborted trials 'running': a resume re-queues them.
    if (this.closed || (this.ctx.signal?.aborted === true && !result.ok)) return;
    const { store, clock } = this.ctx;
    const worker = result.threadId >= 0 ? `${result.lane}/thread-${result.threadId}` : result.lane;
    const base = { trialId: trial.number, family: trial.family, config: trial.config };
    if (result.ok) {
      store.finishTrial(trial.id, {
        validationScore: result.validationScore,
        validationLoss: result.validationLoss,
        fitSeconds: result.fitSeconds,
        oof: result.oof,
        ...(result.test === undefined ? {} : { test: result.test }),
        models: result.models,
        worker,
        ...(result.backend === undefined ? {} : { backend: result.backend }),
      });
      clock.record(trial.family, seconds);
      this.recordOutcome({ ...base, status: 'done', loss: result.validationLoss, predictions: result.oof }, result.validationScore);
    } else {
      const why = cutByBudget ? "stopped at the run's time budget" : 'exceeded the per-trial time limit';
      const error = result.status === 'timeout' ? `${why}: ${result.error}` : result.error;
      store.failTrial(trial.id, { status: result.status, error, fitSeconds: result.fitSeconds, worker, ...(result.backend === undefined ? {} : { backend: result.backend }) });
      if (result.status === 'timeout') clock.record(trial.family, seconds);
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

  /** The outcome a stored final trial was told with: same loss, same float32 predictions. */
  private storedOutcome(trial: TrialRecord): TrialOutcome {
    const base = { trialId: trial.number, family: trial.family, config: trial.config };
    if (trial.status !== 'done') return { ...base, status: trial.status as 'failed' | 'timeout' };
    const predictions = this.ctx.store.getPredictions(trial.id, 'oof');
    if (predictions === undefined) throw new Error(`done trial ${trial.number} of run ${trial.runId} has no stored OOF predictions`);
    return { ...base, status: 'done', loss: trial.validationLoss ?? NaN, predictions: predictions.values };
  }

  private emit(event: ProgressEvent): void {
    this.ctx.onProgress?.(event);
  }

  private summary(): RunSummary {
    const counts: Record<TrialStatus, number> = { queued: 0, running: 0, done: 0, failed: 0, timeout: 0 };
    for (const t of this.ctx.store.listTrials(this.ctx.run.id)) counts[t.status]++;
    return {
      runId: this.ctx.run.id,
      stoppedBy: this.stop ?? 'exhausted',
      trials: counts,
      best: this.best,
      elapsedSeconds: (Date.now() - this.ctx.startedAt) / 1000,
      ensembleDeadline: this.ctx.clock.runDeadline,
    };
  }
}

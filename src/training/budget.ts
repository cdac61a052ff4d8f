/**
 * The one owner of a run's time budget. A time budget is wall time for everything the caller asked for; it is
 * split once, here, into
 *   - training: trials start and run until the training deadline;
 *   - the finish reserve: the ensemble step after training (selection, loading fold models, refit), sized from
 *     the measured cost of the chosen selector on data of this shape (src/ensemble/cost.ts), which honours its own
 *     deadline whatever the estimate was.
 * Inside training, no trial holds a worker past its per-trial limit (default: a fifth of the training time, so
 * that every worker thread gets through at least five trials; up to a third on large data); families that can
 * stop early end each fold at its share of that limit and still make a member.
 */
import { estimateSelectionSeconds, type SelectionShape } from '../ensemble/cost.js';

/** What the split depends on besides the budget. */
export interface BudgetShape extends SelectionShape {
  /** Ensemble method that runs in the finish phase. */
  readonly method: string;
  /** Whether the finish phase refits the selected members on all rows. */
  readonly refit?: boolean;
}

export interface BudgetSplit {
  /** Seconds for training (trials). */
  readonly trainingSeconds: number;
  /** Seconds kept for the finish phase. */
  readonly reserveSeconds: number;
}

/** Smallest finish reserve, seconds: loading fold models and building the ensemble model always take a moment. */
const MIN_RESERVE_SECONDS = 1;
/** Largest share of the budget the finish phase may keep. */
const MAX_RESERVE_SHARE = 0.3;
/** Estimated selection time is multiplied by this: the estimate is a median, machines are busy. */
const RESERVE_SAFETY = 1.5;
/**
 * Share of the budget kept for refitting the selected members on all rows (the deployment forms 'fast' and 'small'):
 * each gets an equal share of it and stops early at its deadline; one whose share is under half its usual fit
 * time keeps its fold models (src/finish/finish.ts).
 */
const REFIT_SHARE = 0.1;
/** Every worker thread should get through at least this many trials of the training time. */
const TRIALS_PER_THREAD = 5;

/**
 * Split `budgetSeconds` (what is left of the caller's budget now) into training and the finish reserve. An explicit
 * `reserveSeconds` wins (it must be below the budget).
 */
export function splitBudget(budgetSeconds: number, shape: BudgetShape, reserveSeconds?: number): BudgetSplit {
  const reserve = reserveSeconds ?? finishReserveSeconds(budgetSeconds, shape);
  return { trainingSeconds: Math.max(0, budgetSeconds - reserve), reserveSeconds: reserve };
}

/** Seconds to keep for the finish phase of a run with `budgetSeconds` in all. */
export function finishReserveSeconds(budgetSeconds: number, shape: BudgetShape): number {
  const selection = estimateSelectionSeconds(shape.method, shape) * RESERVE_SAFETY;
  const wanted = MIN_RESERVE_SECONDS + selection + (shape.refit === true ? REFIT_SHARE * budgetSeconds : 0);
  return Math.min(wanted, MAX_RESERVE_SHARE * budgetSeconds);
}

/** On large data, a trial may take up to this share of the training time (see `defaultTrialLimitSeconds`). */
const MAX_TRIAL_SHARE = 1 / 3;

/**
 * Default seconds one trial (all its folds) may take (Infinity without a budget): a fifth of the training time, so
 * every worker thread gets through at least five trials; on data where a typical strong member needs more
 * (`typicalTrialSeconds`: the search's estimate of a default boosted-trees trial on this data), up to a third, so
 * that members on large data are not all cut to a sliver of their training.
 */
export function defaultTrialLimitSeconds(trainingSeconds: number | undefined, typicalTrialSeconds = 0): number {
  if (trainingSeconds === undefined) return Infinity;
  const floor = trainingSeconds / TRIALS_PER_THREAD;
  return Math.min(Math.max(floor, typicalTrialSeconds), trainingSeconds * MAX_TRIAL_SHARE);
}

/**
 * The run's clock during training: when training stops and how long a trial may take. Durations of finished trials
 * are the proposers' business (they predict costs); the clock only tells time.
 */
export class RunClock {
  /** ms since epoch when training stops: no trial runs past it. Infinity without a time budget. */
  readonly trainingDeadline: number;
  /** ms since epoch when the finish phase must be done. Infinity without a time budget. */
  readonly finishDeadline: number;
  /** Seconds one trial may take (Infinity: no limit). */
  readonly trialLimitSeconds: number;

  constructor(start: number, split: BudgetSplit | undefined, trialLimitSeconds?: number) {
    this.trainingDeadline = split === undefined ? Infinity : start + split.trainingSeconds * 1000;
    this.finishDeadline = split === undefined ? Infinity : this.trainingDeadline + split.reserveSeconds * 1000;
    this.trialLimitSeconds = trialLimitSeconds ?? defaultTrialLimitSeconds(split?.trainingSeconds);
  }

  /** Seconds left for training (Infinity without a budget). */
  secondsLeft(now: number = Date.now()): number {
    return Math.max(0, (this.trainingDeadline - now) / 1000);
  }

  expired(now: number = Date.now()): boolean {
    return now >= this.trainingDeadline;
  }

  /** The deadline of a trial starting now: its limit, or the training deadline if that comes first. */
  trialDeadline(now: number = Date.now()): number {
    return Math.min(now + this.trialLimitSeconds * 1000, this.trainingDeadline);
  }
}

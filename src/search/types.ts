import type { Config } from '../models/types.js';
import type { Predictions } from '../metrics/types.js';

/** A configuration to try: which member family and its hyperparameters. */
export interface TrialProposal {
  readonly family: string;
  readonly config: Config;
}

/** What the search learns from one finished trial. */
export interface TrialOutcome {
  readonly trialId: number;
  readonly family: string;
  readonly config: Config;
  /** 'pruned': stopped after its first folds, clearly worse than the best trial (its `loss` is on those folds). */
  readonly status: 'done' | 'failed' | 'timeout' | 'pruned';
  /**
   * Validation loss (lower is better): of the out-of-fold predictions when 'done', the mean of the finished
   * folds' losses when 'pruned'; absent otherwise.
   */
  readonly loss?: number;
  /** Seconds the trial took (all its folds, or until it was stopped); what cost-aware proposers learn from. */
  readonly seconds?: number;
  /** Out-of-fold predictions (row-major n x k); absent unless status is 'done'. DivBO needs them. */
  readonly predictions?: Predictions;
}

/** What the run tells a proposer about time at each ask. */
export interface AskContext {
  /** Seconds a trial started now may take: the per-trial limit, or less near the end (Infinity: no limit). */
  readonly secondsLeft: number;
  /** The run's per-trial time limit, seconds (Infinity: none): longer trials are cut there. */
  readonly trialLimit: number;
  /** Share of the budget used so far, 0..1 (time, or trials for a run with only `maxTrials`). */
  readonly progress: number;
}

/**
 * A proposer of configurations (ask/tell).
 *
 * Contract (checked for every proposer by test/search/proposer-conformance.test.ts):
 * - `ask(n, pending, context)` returns n proposals inside the search space, none equal to another in the batch nor
 *   to a pending (running) proposal, each predicted to take at most `context.secondsLeft` seconds; it may return
 *   fewer only when the space is exhausted or nothing else is predicted to fit (without a context, time is no
 *   constraint).
 * - `tell(outcomes)` records finished trials. A proposer keeps no state beyond what it was told and its seed:
 *   a new proposer told the same outcomes in the same order, with the same seed, asks the same next proposals
 *   (this is how a resumed run rebuilds its search from the store).
 * - Failed, timed-out and pruned trials are told too: a proposer must not keep proposing the same failing config.
 * - Outcomes carry durations (`seconds`): a cost-aware proposer predicts each configuration's duration from them
 *   (and from its prior for families not yet tried), to keep proposals within the time left.
 */
export interface Proposer {
  readonly name: string;
  ask(n: number, pending?: readonly TrialProposal[], context?: AskContext): Promise<TrialProposal[]>;
  tell(outcomes: readonly TrialOutcome[]): void;
}

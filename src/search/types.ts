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
  readonly status: 'done' | 'failed' | 'timeout';
  /** Validation loss (lower is better) of the out-of-fold predictions; absent unless status is 'done'. */
  readonly loss?: number;
  /** Out-of-fold predictions (row-major n x k); absent unless status is 'done'. DivBO needs them. */
  readonly predictions?: Predictions;
}

/**
 * A proposer of configurations (ask/tell).
 *
 * Contract (checked for every proposer by test/search/proposer-conformance.test.ts):
 * - `ask(n, pending)` returns n proposals inside the search space, none equal to another in the batch nor to a
 *   pending (running) proposal; it may return fewer only when the space is exhausted.
 * - `tell(outcomes)` records finished trials. A proposer keeps no state beyond what it was told and its seed:
 *   a new proposer told the same outcomes in the same order, with the same seed, asks the same next proposals
 *   (this is how a resumed run rebuilds its search from the store).
 * - Failed and timed-out trials are told too: a proposer must not keep proposing the same failing config.
 */
export interface Proposer {
  readonly name: string;
  ask(n: number, pending?: readonly TrialProposal[]): Promise<TrialProposal[]>;
  tell(outcomes: readonly TrialOutcome[]): void;
}

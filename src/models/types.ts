import type { Dataset, FeatureTable, Task } from '../data/dataset.js';

/** A member configuration: plain JSON values, as proposed by the search and stored with each trial. */
export type Config = Readonly<Record<string, number | string | boolean>>;

/** Everything a fit needs besides data and configuration. */
export interface FitContext {
  /** Seed for every random choice of this fit. */
  readonly seed: number;
  /** Aborted when the trial's time is up or the run is cancelled: long fits check it and stop cleanly. */
  readonly signal: AbortSignal;
  /**
   * Wall-clock time (ms since epoch, as Date.now()) by which the fit should return; Infinity for none. Families that
   * can stop early with a useful model (boosting rounds, forest trees, epochs) stop growing at it and return what
   * they have; the hard stop is `signal`.
   */
  readonly deadline: number;
  /** Neural backend requested ('auto' picks the best available). */
  readonly backend?: string;
  /** Optional progress/debug messages. */
  readonly log?: (message: string) => void;
}

/**
 * A fitted member's portable form: JSON-safe `state` plus named binary blobs (tree arrays, weights).
 * `family.load(serialized)` must rebuild a member whose predictions are bit-identical.
 */
export interface SerializedMember {
  readonly family: string;
  readonly formatVersion: number;
  readonly state: unknown;
  readonly blobs: Readonly<Record<string, Uint8Array>>;
}

/**
 * A trained model: predicts on raw feature tables (it owns its preprocessing).
 * `predict` returns row-major n x k: class probabilities summing to 1 per row (k = classes of the training
 * dataset, also for classes absent from the training rows), or n x 1 values for regression.
 */
export interface FittedMember {
  readonly family: string;
  readonly nOutputs: number;
  /** The compute backend that trained it (neural families: the TensorFlow.js backend that actually ran); absent otherwise. */
  readonly backend?: string;
  predict(table: FeatureTable): Float64Array;
  /**
   * Optional, regression members only: the member's predicted variance of the target at each row (n values, finite,
   * >= 0), the spread of its predictive distribution around `predict`'s mean. It feeds the ensemble's aleatoric
   * uncertainty, the `deuq` selector and the normalized conformal intervals (docs/uncertainty.md).
   * Contract (checked by test/models/family-conformance.test.ts for every family whose members have it): present
   * only on regression members; deterministic; `load(serialize())` gives bit-identical variances; it depends on the
   * row alone, not on the other rows of the table.
   */
  predictVariance?(table: FeatureTable): Float64Array;
  serialize(): SerializedMember;
  /** Release native resources (TensorFlow.js tensors). Optional: plain-data members hold none. */
  dispose?(): void;
}

/**
 * A member family: one learning algorithm, its hyperparameters, and how it preprocesses.
 *
 * Contract (checked for every family by test/models/family-conformance.test.ts):
 * - `supports(task)` says which tasks it can fit; `fit` throws a clear Error for others.
 * - `fit(train, config, ctx)` is deterministic given `ctx.seed` (same seed, same data, same config => same
 *   predictions), honours `ctx.signal` by rejecting with an AbortError-named error soon after abort, and
 *   never mutates `train`.
 * - `config` keys missing from the given object take the family's defaults (`defaults`); unknown keys are
 *   an error naming the key.
 * - `load(member.serialize())` predicts exactly the same numbers as `member`.
 */
export interface MemberFamily {
  readonly name: string;
  /** One line for docs and CLI listings. */
  readonly description: string;
  readonly defaults: Config;
  supports(task: Task): boolean;
  fit(train: Dataset, config: Config, ctx: FitContext): Promise<FittedMember>;
  load(serialized: SerializedMember): Promise<FittedMember>;
  /**
   * Optional: rough wall seconds of one `fit` with the default configuration on one core of a 2-core machine, on
   * data of this shape, with no deadline. The search uses it as its cost prior before a trial of the family was
   * measured (to order its first trials cheapest first and to keep out families that cannot fit the time); a
   * factor of 2-3 either way is fine. Coefficients come from measured fits (docs/search.md).
   */
  estimateFitSeconds?(shape: FitShape): number;
}

/** What a cost estimate depends on: training rows, feature columns (before encoding), prediction width, task. */
export interface FitShape {
  readonly rows: number;
  readonly features: number;
  readonly outputs: number;
  readonly task: Task;
}

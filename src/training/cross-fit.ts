import { outputWidth, takeFeatureRows, takeRows, type Dataset, type FeatureTable } from '../data/dataset.js';
import type { Fold } from '../data/split.js';
import type { Config, MemberFamily, SerializedMember } from '../models/types.js';
import { deriveSeed } from '../util/random.js';

export interface CrossFitOptions {
  /** Trial seed: fold f fits with deriveSeed(seed, f). */
  readonly seed: number;
  readonly signal: AbortSignal;
  readonly deadline: number;
  readonly backend?: string;
  /** Rows to predict with the bagged member (average of the fold models). */
  readonly test?: FeatureTable;
  /** The validation loss of fold f from its held-out predictions (row-major, in `fold.test` order). */
  readonly scoreFold?: (fold: number, heldOut: Float64Array) => number;
  /** Asked after each fold with the fold losses so far: a reason stops the trial there (fold-level racing). */
  readonly stopAfterFold?: (foldLosses: readonly number[]) => string | null;
  /** Called after every fold; may throw to end the trial (the worker's memory guard). */
  readonly checkpoint?: () => void;
}

export interface CrossFitResult {
  readonly kind: 'done';
  /** Out-of-fold predictions for every training row (row-major n x k; averaged over repeats if any). */
  readonly oof: Float64Array;
  readonly test?: Float64Array;
  /** Predicted variances (n values) for the OOF and test rows, when the family's regression members predict one. */
  readonly oofVariance?: Float64Array;
  readonly testVariance?: Float64Array;
  /** One serialized model per fold, in fold order. */
  readonly models: SerializedMember[];
  /** Each fold's validation loss (empty without `scoreFold`). */
  readonly foldLosses: number[];
  /** The compute backend(s) the fold models report (`FittedMember.backend`), comma-separated; absent if none does. */
  readonly backend?: string;
}

/** A trial stopped by `stopAfterFold`: the losses of the folds it finished and the reason. */
export interface CrossFitPruned {
  readonly kind: 'pruned';
  readonly foldLosses: number[];
  readonly reason: string;
  readonly backend?: string;
}

/**
 * AutoGluon-style bagging: fit the family on each fold's training rows, predict the held-out rows (out-of-fold
 * predictions) and the test rows. The member is the average of its fold models; there is no refit on all rows.
 * Throws when a fold model predicts the wrong shape or non-finite values.
 */
export async function crossFit(
  family: MemberFamily,
  train: Dataset,
  folds: readonly Fold[],
  config: Config,
  options: CrossFitOptions & { readonly stopAfterFold?: undefined },
): Promise<CrossFitResult>;
export async function crossFit(
  family: MemberFamily,
  train: Dataset,
  folds: readonly Fold[],
  config: Config,
  options: CrossFitOptions,
): Promise<CrossFitResult | CrossFitPruned>;
export async function crossFit(
  family: MemberFamily,
  train: Dataset,
  folds: readonly Fold[],
  config: Config,
  options: CrossFitOptions,
): Promise<CrossFitResult | CrossFitPruned> {
  const k = outputWidth(train);
  const oof = new Float64Array(train.nRows * k);
  const covered = new Int32Array(train.nRows);
  const test = options.test === undefined ? undefined : new Float64Array(options.test.nRows * k);
  const models: SerializedMember[] = [];
  let variances: { oof: Float64Array; test: Float64Array | undefined } | undefined;
  const foldLosses: number[] = [];
  // Longest time a fold took after its fit (predicting, scoring, serializing): kept free in later folds' shares.
  let afterFit = 0;
  const backends = new Set<string>();
  const backend = (): { backend?: string } => (backends.size === 0 ? {} : { backend: [...backends].join(',') });
  for (let f = 0; f < folds.length; f++) {
    const fold = folds[f]!;
    const member = await family.fit(takeRows(train, fold.train), config, {
      seed: deriveSeed(options.seed, f),
      signal: options.signal,
      deadline: foldDeadline(options.deadline, folds.length - f, Date.now(), afterFit),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    });
    const fitted = Date.now();
    if (member.backend !== undefined) backends.add(member.backend);
    try {
      const held = checked(member.predict(takeFeatureRows(train, fold.test)), fold.test.length, k, family.name, 'held-out');
      if (options.scoreFold !== undefined) foldLosses.push(options.scoreFold(f, held));
      const reason = options.stopAfterFold?.(foldLosses) ?? null;
      if (reason !== null) return { kind: 'pruned', foldLosses, reason, ...backend() };
      for (let i = 0; i < fold.test.length; i++) {
        const row = fold.test[i]!;
        covered[row]!++;
        for (let j = 0; j < k; j++) oof[row * k + j]! += held[i * k + j]!;
      }
      if (options.test !== undefined && test !== undefined) {
        const predicted = checked(member.predict(options.test), options.test.nRows, k, family.name, 'test');
        for (let i = 0; i < predicted.length; i++) test[i]! += predicted[i]! / folds.length;
      }
      if (member.predictVariance !== undefined || variances !== undefined) {
        if (member.predictVariance === undefined || (f > 0 && variances === undefined)) {
          throw new Error(`${family.name}: only some fold models predict a variance`);
        }
        variances ??= { oof: new Float64Array(train.nRows), test: options.test === undefined ? undefined : new Float64Array(options.test.nRows) };
        addVariances(member.predictVariance.bind(member), train, fold.test, options.test, variances, folds.length, family.name);
      }
      models.push(member.serialize());
    } finally {
      member.dispose?.();
    }
    afterFit = Math.max(afterFit, Date.now() - fitted);
    options.checkpoint?.();
  }
  for (let row = 0; row < train.nRows; row++) {
    const c = covered[row]!;
    if (c === 0) throw new Error(`row ${row} is in no held-out fold: the folds do not cover the training rows`);
    if (c > 1) {
      for (let j = 0; j < k; j++) oof[row * k + j]! /= c;
      if (variances !== undefined) variances.oof[row]! /= c;
    }
  }
  return {
    kind: 'done',
    oof,
    models,
    foldLosses,
    ...backend(),
    ...(test === undefined ? {} : { test }),
    ...(variances === undefined ? {} : { oofVariance: variances.oof }),
    ...(variances?.test === undefined ? {} : { testVariance: variances.test }),
  };
}

/**
 * A fold model's predicted variances: summed into the held-out rows (averaged over repeats by the caller) and
 * averaged into the test rows. The test variance is the mean of the fold models' variances, the aleatoric part of
 * the bagged member (the spread of the fold models' means is epistemic; see src/ensemble/uncertainty.ts).
 */
function addVariances(
  predictVariance: (table: FeatureTable) => Float64Array,
  train: Dataset,
  held: Int32Array,
  testTable: FeatureTable | undefined,
  into: { oof: Float64Array; test: Float64Array | undefined },
  nFolds: number,
  family: string,
): void {
  const v = checkedVariance(predictVariance(takeFeatureRows(train, held)), held.length, family, 'held-out');
  for (let i = 0; i < held.length; i++) into.oof[held[i]!]! += v[i]!;
  if (testTable !== undefined && into.test !== undefined) {
    const t = checkedVariance(predictVariance(testTable), testTable.nRows, family, 'test');
    for (let i = 0; i < t.length; i++) into.test[i]! += t[i]! / nFolds;
  }
}

function checkedVariance(v: Float64Array, rows: number, family: string, what: string): Float64Array {
  if (v.length !== rows) throw new Error(`${family} predicted ${v.length} variances for ${rows} ${what} rows`);
  for (let i = 0; i < v.length; i++) {
    if (!(Number.isFinite(v[i]!) && v[i]! >= 0)) throw new Error(`${family} predicted an invalid variance (${v[i]}) for ${what} row ${i}`);
  }
  return v;
}

function checked(pred: Float64Array, rows: number, k: number, family: string, what: string): Float64Array {
  if (pred.length !== rows * k) {
    throw new Error(`${family} predicted ${pred.length} values for ${rows} ${what} rows x ${k} outputs`);
  }
  for (let i = 0; i < pred.length; i++) {
    if (!Number.isFinite(pred[i]!)) throw new Error(`${family} predicted a non-finite value (${pred[i]}) for ${what} row ${Math.floor(i / k)}`);
  }
  return pred;
}

/**
 * The time a fold's fit may grow until: an equal share of what is left of the trial's time for each remaining fold,
 * minus what a fold needs after its fit (`afterFitMs`: predicting and serializing, as measured on earlier folds;
 * unknown for the first) and a 10% margin. Families that can stop early with a useful model (boosting rounds,
 * forest trees, epochs) stop growing there, so a member on data too big for its time still gets all its folds
 * instead of timing out after the first. `now` is a parameter so the arithmetic can be checked without racing the
 * clock.
 */
export function foldDeadline(trialDeadline: number, foldsLeft: number, now = Date.now(), afterFitMs = 0): number {
  if (!Number.isFinite(trialDeadline)) return trialDeadline;
  const share = Math.max(0, trialDeadline - now) / foldsLeft;
  return now + Math.max(0, share * 0.9 - afterFitMs);
}

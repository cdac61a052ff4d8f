/**
 * Input checks and the candidate pool shared by every selector: shape validation, each member's own loss, the
 * constant-predictor baseline, and pruning to the best members that beat it.
 */
import type { Labels, Metric, Predictions } from '../metrics/types.js';
import { ConfigError, DataError } from '../util/errors.js';
import type { LossKernel } from './kernels.js';
import type { Candidate, SelectorOptions } from './types.js';

export interface ProblemShape {
  readonly n: number;
  readonly k: number;
  readonly regression: boolean;
}

/**
 * Checks candidates and labels and returns n, k. Throws DataError for an empty pool, mismatched shapes,
 * duplicate ids, NaN predictions, or labels that are not class codes 0..k-1 (classification).
 */
export function checkProblem(candidates: readonly Candidate[], y: Labels, metric: Metric): ProblemShape {
  if (candidates.length === 0) throw new DataError('ensemble selection needs at least one candidate');
  const n = y.length;
  if (n === 0) throw new DataError('ensemble selection needs at least one labelled row');
  const first = candidates[0]!.predictions.length;
  if (first % n !== 0 || first === 0) {
    throw new DataError(`candidate ${candidates[0]!.id}: ${first} prediction values do not form rows of n = ${n}`);
  }
  const k = first / n;
  const regression = metric.tasks.includes('regression');
  if (regression && k !== 1) throw new DataError(`metric ${metric.name} is for regression, but predictions have k = ${k} columns`);
  if (!regression && k < 2) throw new DataError(`metric ${metric.name} is for classification, but predictions have k = ${k} column`);
  const ids = new Set<number>();
  for (const c of candidates) {
    if (ids.has(c.id)) throw new DataError(`duplicate candidate id ${c.id}`);
    ids.add(c.id);
    if (c.predictions.length !== n * k) {
      throw new DataError(`candidate ${c.id}: ${c.predictions.length} prediction values, expected n x k = ${n} x ${k}`);
    }
    const p = c.predictions;
    for (let i = 0; i < p.length; i++) {
      if (p[i] !== p[i]) throw new DataError(`candidate ${c.id}: prediction at row ${Math.floor(i / k)} is NaN`);
    }
  }
  if (!regression) {
    for (let i = 0; i < n; i++) {
      const c = y[i]!;
      if (!(c >= 0 && c < k && (c | 0) === c)) throw new DataError(`label ${c} at row ${i} is not a class code in 0..${k - 1}`);
    }
  }
  return { n, k, regression };
}

/** Each candidate's own loss (the ensemble of that member alone). */
export function memberLosses(kernel: LossKernel, count: number): Float64Array {
  const losses = new Float64Array(count);
  const acc = new Float64Array(kernel.accLength);
  for (let j = 0; j < count; j++) {
    acc.fill(0);
    kernel.add(acc, j, 1);
    losses[j] = kernel.loss(acc, 1);
  }
  return losses;
}

/**
 * Loss of the constant predictor: the class frequencies of y on every row (classification) or the mean of y
 * (regression). The baseline a member must beat to enter a pool.
 */
export function constantLoss(y: Labels, shape: ProblemShape, metric: Metric): number {
  const { n, k, regression } = shape;
  const pred = new Float64Array(n * k);
  if (regression) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i]!;
    pred.fill(mean / n);
  } else {
    const prior = new Float64Array(k);
    for (let i = 0; i < n; i++) prior[y[i]!]! += 1 / n;
    for (let i = 0; i < n; i++) pred.set(prior, i * k);
  }
  return metric.loss(y, pred, k);
}

/** Candidate indices ordered by loss (ascending), ties by index: stable and deterministic. */
export function rankByLoss(losses: Float64Array): number[] {
  return Array.from(losses.keys()).sort((a, b) => losses[a]! - losses[b]! || a - b);
}

/**
 * The pool: the best `maxPool` candidates among those strictly better than the constant predictor. When no
 * candidate beats it, the single best candidate alone (so selection always returns an ensemble).
 */
export function prunePool(losses: Float64Array, baselineLoss: number, maxPool: number): number[] {
  const ranked = rankByLoss(losses);
  const better = ranked.filter((j) => losses[j]! < baselineLoss);
  if (better.length === 0) return ranked.slice(0, 1);
  return better.slice(0, maxPool);
}

/** A positive integer option (or the default), with a ConfigError naming the option otherwise. */
export function intOption(options: SelectorOptions, name: string, fallback: number, min = 1): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`option ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

export function boolOption(options: SelectorOptions, name: string, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(`option ${name} must be true or false, got ${String(value)}`);
  return value;
}

export function numberOption(options: SelectorOptions, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new ConfigError(`option ${name} must be a number in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

export function choiceOption<T extends string>(options: SelectorOptions, name: string, choices: readonly T[], fallback: T): T {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new ConfigError(`option ${name} must be one of ${choices.join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

/**
 * Rejects option names a selector does not know (typos should not pass silently) and a seed that is not a
 * finite number.
 */
export function checkOptionNames(method: string, options: SelectorOptions, known: readonly string[]): void {
  if (options.seed !== undefined && !(typeof options.seed === 'number' && Number.isFinite(options.seed))) {
    throw new ConfigError(`${method}: option seed must be a finite number, got ${String(options.seed)}`);
  }
  if (options.deadline !== undefined && !(typeof options.deadline === 'number' && !Number.isNaN(options.deadline))) {
    throw new ConfigError(`${method}: option deadline must be a time in ms since epoch (or Infinity), got ${String(options.deadline)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'seed' && key !== 'deadline' && !known.includes(key)) {
      throw new ConfigError(`${method}: unknown option '${key}'; known options: seed, deadline, ${known.join(', ')}`);
    }
  }
}

/** The selector's deadline (ms since epoch; Infinity when none). */
export function deadlineOf(options: SelectorOptions): number {
  return options.deadline ?? Infinity;
}

/** Users read scores; selectors minimize losses. */
export function lossToScore(metric: Metric, loss: number): number {
  return metric.higherIsBetter ? -loss : loss;
}

/** Weighted average of the given members' predictions (weights summing to 1), as a new n x k array. */
export function weightedAverage(members: readonly Predictions[], weights: readonly number[], length: number): Float64Array {
  const out = new Float64Array(length);
  for (let j = 0; j < members.length; j++) {
    const w = weights[j]!;
    const m = members[j]!;
    for (let i = 0; i < length; i++) out[i]! += w * m[i]!;
  }
  return out;
}

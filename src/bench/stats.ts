/**
 * Statistics for comparing methods over datasets (Demšar 2006): average ranks, the Friedman test, the Wilcoxon
 * signed-rank test and Holm's step-down correction. `simple-statistics` supplies the error function and log-gamma;
 * the chi-squared tail, rank averaging and the exact signed-rank distribution are implemented here and checked
 * against scipy's documented examples (test/bench/stats.test.ts).
 */
import { errorFunction, gammaln } from 'simple-statistics';
import { ConfigError } from '../util/errors.js';

/** Ranks 1..n of `values` (1 = smallest), ties sharing their average rank (scipy.stats.rankdata 'average'). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[order[t]!] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Sizes of the groups of tied values (only groups of two or more). */
function tieGroups(values: ArrayLike<number>): number[] {
  const sorted = Float64Array.from(values).sort();
  const groups: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    if (j > i) groups.push(j - i + 1);
    i = j + 1;
  }
  return groups;
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): the series for x < a + 1, else Lentz's
 * continued fraction (Numerical Recipes §6.2); relative accuracy about 1e-14.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new ConfigError(`regularizedGammaQ needs a > 0 and x >= 0, got a=${a}, x=${x}`);
  if (x === 0) return 1;
  const logPrefix = a * Math.log(x) - x - gammaln(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/** P(X >= x) for X ~ chi-squared with `df` degrees of freedom. */
export function chiSquaredSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

export interface FriedmanResult {
  /** Friedman's chi-squared statistic, corrected for ties (as scipy.stats.friedmanchisquare). */
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
  /** Average rank of each treatment (column), 1 = best under the given orientation. */
  readonly averageRanks: Float64Array;
  readonly nBlocks: number;
}

/**
 * Friedman test of k treatments over n blocks. `scores` is row-major n x k (one row per dataset, one column per
 * method). With `higherIsBetter`, the highest score in a block gets rank 1, so average ranks read "lower is
 * better" either way; the statistic does not depend on the orientation. Needs n >= 2 and k >= 2.
 */
export function friedmanTest(scores: ArrayLike<number>, n: number, k: number, higherIsBetter = true): FriedmanResult {
  if (k < 2 || n < 2) throw new ConfigError(`the Friedman test needs at least 2 methods and 2 datasets, got ${k} and ${n}`);
  if (scores.length !== n * k) throw new ConfigError(`friedmanTest: ${scores.length} scores for ${n} x ${k}`);
  const rankSums = new Float64Array(k);
  let tieSum = 0;
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const v = scores[i * k + j]!;
      if (!Number.isFinite(v)) throw new ConfigError(`friedmanTest: score (${i}, ${j}) is not finite`);
      row[j] = higherIsBetter ? -v : v;
    }
    const ranks = averageRanks(row);
    for (let j = 0; j < k; j++) rankSums[j] = rankSums[j]! + ranks[j]!;
    for (const t of tieGroups(row)) tieSum += t * t * t - t;
  }
  let sumSquares = 0;
  for (let j = 0; j < k; j++) sumSquares += rankSums[j]! * rankSums[j]!;
  const raw = (12 / (n * k * (k + 1))) * sumSquares - 3 * n * (k + 1);
  const correction = 1 - tieSum / (n * k * (k * k - 1));
  // A correction of 0 means every block is one big tie: no evidence of any difference.
  const statistic = correction > 0 ? raw / correction : 0;
  const df = k - 1;
  return {
    statistic,
    df,
    pValue: chiSquaredSurvival(statistic, df),
    averageRanks: rankSums.map((s) => s / n),
    nBlocks: n,
  };
}

export interface WilcoxonResult {
  /** min(W+, W-) over the non-zero differences, as scipy.stats.wilcoxon reports for the two-sided test. */
  readonly statistic: number;
  /** Sum of ranks of the positive differences (x > y). */
  readonly wPlus: number;
  readonly wMinus: number;
  /** Two-sided p-value; 1 when every difference is zero. */
  readonly pValue: number;
  /** Number of non-zero differences used. */
  readonly n: number;
  readonly method: 'exact' | 'normal';
}

/** Largest number of non-zero differences for which the exact null distribution is used (as scipy). */
export const WILCOXON_EXACT_MAX_N = 50;

/**
 * Two-sided Wilcoxon signed-rank test of paired samples (or of differences `x` when `y` is absent).
 * Zero differences are dropped (scipy's zero_method='wilcox'). Without ties and with n <= 50 the p-value is
 * exact (the null distribution of W+ counted by dynamic programming); otherwise the normal approximation with
 * the tie-corrected variance and no continuity correction (scipy's method='approx', correction=False).
 */
export function wilcoxonSignedRank(x: ArrayLike<number>, y?: ArrayLike<number>): WilcoxonResult {
  if (y !== undefined && y.length !== x.length) {
    throw new ConfigError(`wilcoxonSignedRank: samples have different lengths (${x.length} and ${y.length})`);
  }
  const diffs: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const d = y === undefined ? x[i]! : x[i]! - y[i]!;
    if (!Number.isFinite(d)) throw new ConfigError(`wilcoxonSignedRank: difference ${i} is not finite`);
    if (d !== 0) diffs.push(d);
  }
  const n = diffs.length;
  if (n === 0) return { statistic: 0, wPlus: 0, wMinus: 0, pValue: 1, n: 0, method: 'exact' };
  const abs = diffs.map(Math.abs);
  const ranks = averageRanks(abs);
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (diffs[i]! > 0) wPlus += ranks[i]!;
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  const statistic = Math.min(wPlus, wMinus);
  const ties = tieGroups(abs);
  if (ties.length === 0 && n <= WILCOXON_EXACT_MAX_N) {
    return { statistic, wPlus, wMinus, pValue: exactSignedRankPValue(statistic, n), n, method: 'exact' };
  }
  const mean = total / 2;
  let variance = (n * (n + 1) * (2 * n + 1)) / 24;
  for (const t of ties) variance -= (t * t * t - t) / 48;
  const z = variance > 0 ? (mean - statistic) / Math.sqrt(variance) : 0;
  // Two-sided normal tail 2 (1 - Φ(|z|)) = erfc(|z| / √2); simple-statistics' erf is accurate to ~1e-7
  // (its normal CDF is a 4-digit table, too coarse for p-values).
  const pValue = Math.min(1, 1 - errorFunction(Math.abs(z) / Math.SQRT2));
  return { statistic, wPlus, wMinus, pValue, n, method: 'normal' };
}

/**
 * Two-sided exact p-value of the signed-rank statistic T = min(W+, W-) for n untied non-zero differences:
 * 2 P(W+ <= T), capped at 1. Counts subsets of {1..n} by rank sum (2^n equally likely sign patterns).
 */
function exactSignedRankPValue(t: number, n: number): number {
  const maxSum = (n * (n + 1)) / 2;
  const counts = new Float64Array(maxSum + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) {
    for (let s = (r * (r + 1)) / 2; s >= r; s--) counts[s] = counts[s]! + counts[s - r]!;
  }
  let below = 0;
  for (let s = 0; s <= Math.floor(t); s++) below += counts[s]!;
  return Math.min(1, (2 * below) / 2 ** n);
}

/**
 * Holm's step-down adjustment of p-values (family-wise error control over all pairwise tests):
 * adjusted p_(i) = max over j <= i of min(1, (m - j + 1) p_(j)) in ascending order of p.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, position) => {
    running = Math.max(running, Math.min(1, (m - position) * pValues[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}

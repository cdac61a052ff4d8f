/**
 * `deuq`: ensemble selection by negative log-likelihood, after AutoDEUQ (Egele et al. 2022). Each candidate is a
 * predictive distribution: regression, a Gaussian with the candidate's out-of-fold mean and its recalibrated
 * variance (variance-calibration.ts: the member's own predicted variance, or its out-of-fold mean squared error when
 * it predicts none); classification, its probabilities. The ensemble is their equally weighted mixture (weights =
 * times picked / picks), scored by the Gaussian NLL of the moment-matched mixture (regression: mean of the means,
 * variance by the law of total variance) or by the log loss of the mixture (classification).
 *
 * Strategy (AutoDEUQ's two variants): 'greedy' (default) starts from the candidate with the lowest NLL and adds,
 * with replacement, the candidate that lowers the mixture's NLL most, stopping at the first round that lowers it no
 * more (or after `rounds`). 'top-k' averages the `size` candidates of lowest NLL. Greedy is the default because it
 * picks members for what they add to the mixture (a member whose disagreement widens the mixture where it is wrong
 * helps; the k-th best member alone may not) and it stops by itself instead of forcing k members in; the uncertainty
 * benchmark compares the two on held-out NLL (docs/uncertainty.md).
 */
import type { Labels, Metric, Predictions } from '../metrics/types.js';
import { DataError } from '../util/errors.js';
import { checkOptionNames, checkProblem, choiceOption, deadlineOf, intOption, weightedAverage } from './pool.js';
import type { Candidate, SelectionResult, Selector, SelectorOptions } from './types.js';
import { applyVarianceCalibration, fitVarianceCalibration } from './variance-calibration.js';

export interface DeuqOptions extends SelectorOptions {
  readonly strategy?: 'greedy' | 'top-k';
  /** Greedy: most picks (with replacement). Default 25. */
  readonly rounds?: number;
  /** Top-k: candidates averaged. Default 5 (AutoDEUQ's ensemble size). */
  readonly size?: number;
}

const OPTION_NAMES = ['strategy', 'rounds', 'size'] as const;
const MIN_VARIANCE = 1e-300;
const EPS = 1e-15;

/**
 * Per-row running sums of the mixture and the NLL of adding one candidate. Regression sums means and second moments
 * (variance + mean^2); classification sums each candidate's probability of the true class.
 */
interface MixtureLoss {
  readonly n: number;
  add(acc: Float64Array, c: number): void;
  /** Mean NLL of the mixture of the `count` picks in `acc` plus candidate c (c < 0: no candidate). */
  nllWith(acc: Float64Array, count: number, c: number): number;
}

function regressionLoss(y: Labels, means: readonly Predictions[], variances: readonly Float64Array[]): MixtureLoss {
  const n = y.length;
  return {
    n,
    add(acc, c) {
      const m = means[c]!;
      const v = variances[c]!;
      for (let i = 0; i < n; i++) {
        acc[i]! += m[i]!;
        acc[n + i]! += v[i]! + m[i]! * m[i]!;
      }
    },
    nllWith(acc, count, c) {
      const r = count + (c >= 0 ? 1 : 0);
      const m = c >= 0 ? means[c]! : undefined;
      const v = c >= 0 ? variances[c]! : undefined;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const s1 = acc[i]! + (m === undefined ? 0 : m[i]!);
        const s2 = acc[n + i]! + (m === undefined ? 0 : v![i]! + m[i]! * m[i]!);
        const mean = s1 / r;
        const variance = Math.max(s2 / r - mean * mean, MIN_VARIANCE);
        const d = y[i]! - mean;
        sum += 0.5 * (Math.log(2 * Math.PI * variance) + (d * d) / variance);
      }
      return sum / n;
    },
  };
}

function classificationLoss(y: Labels, probabilities: readonly Predictions[], k: number): MixtureLoss {
  const n = y.length;
  const truth = probabilities.map((p) => Float64Array.from(y, (c, i) => p[i * k + c]!));
  return {
    n,
    add(acc, c) {
      const t = truth[c]!;
      for (let i = 0; i < n; i++) acc[i]! += t[i]!;
    },
    nllWith(acc, count, c) {
      const r = count + (c >= 0 ? 1 : 0);
      const t = c >= 0 ? truth[c]! : undefined;
      let sum = 0;
      for (let i = 0; i < n; i++) sum -= Math.log(Math.max((acc[i]! + (t === undefined ? 0 : t[i]!)) / r, EPS));
      return sum / n;
    },
  };
}

export function deuqSelect(candidates: readonly Candidate[], y: Labels, metric: Metric, options: DeuqOptions = {}): SelectionResult {
  checkOptionNames('deuq', options, OPTION_NAMES);
  const strategy = choiceOption(options, 'strategy', ['greedy', 'top-k'] as const, 'greedy');
  const rounds = intOption(options, 'rounds', 25);
  const size = intOption(options, 'size', 5);
  const { n, k, regression } = checkProblem(candidates, y, metric);
  let loss: MixtureLoss;
  if (regression) {
    const variances = candidates.map((c) => {
      if (c.variance !== undefined && c.variance.length !== n) throw new DataError(`candidate ${c.id}: ${c.variance.length} variances for ${n} rows`);
      return applyVarianceCalibration(fitVarianceCalibration(y, c.predictions, c.variance), n, c.variance);
    });
    loss = regressionLoss(y, candidates.map((c) => c.predictions), variances);
  } else {
    loss = classificationLoss(y, candidates.map((c) => c.predictions), k);
  }
  const accLength = regression ? 2 * n : n;
  const own = candidates.map((_, c) => loss.nllWith(new Float64Array(accLength), 0, c));
  const picks = strategy === 'top-k' ? topK(own, size) : greedy(loss, candidates.length, accLength, rounds, deadlineOf(options));
  const counts = new Map<number, number>();
  for (const c of picks.chosen) counts.set(c, (counts.get(c) ?? 0) + 1);
  const members = [...counts.keys()].sort((a, b) => a - b);
  const weights = members.map((c) => counts.get(c)! / picks.chosen.length);
  const averaged = weightedAverage(members.map((c) => candidates[c]!.predictions), weights, n * k);
  return {
    method: 'deuq',
    combiner: { kind: 'weights', memberIds: members.map((c) => candidates[c]!.id), weights },
    validationScore: metric.score(y, averaged, k),
    trajectory: picks.trajectory,
    details: {
      nll: picks.trajectory[picks.trajectory.length - 1]!,
      picks: picks.chosen.length,
      withVariance: candidates.filter((c) => c.variance !== undefined).length,
      ...(picks.stoppedAtDeadline ? { stoppedAtDeadline: 1 } : {}),
    },
  };
}

/** The `size` candidates of lowest own NLL (ties: lower index), trajectory = their own NLLs in order. */
function topK(own: readonly number[], size: number): Picks {
  const order = own.map((_, c) => c).sort((a, b) => own[a]! - own[b]! || a - b).slice(0, size);
  return { chosen: order, trajectory: order.map((c) => own[c]!) };
}

interface Picks {
  readonly chosen: number[];
  readonly trajectory: number[];
  readonly stoppedAtDeadline?: boolean;
}

/**
 * Greedy with replacement until no candidate lowers the mixture's NLL (ties: lower index), or the deadline passes
 * (the first pick always happens).
 */
function greedy(loss: MixtureLoss, count: number, accLength: number, rounds: number, deadline: number): Picks {
  const acc = new Float64Array(accLength);
  const chosen: number[] = [];
  const trajectory: number[] = [];
  let current = Infinity;
  for (let r = 0; r < rounds; r++) {
    if (r > 0 && Date.now() > deadline) return { chosen, trajectory, stoppedAtDeadline: true };
    let best = -1;
    let bestLoss = Infinity;
    for (let c = 0; c < count; c++) {
      const value = loss.nllWith(acc, r, c);
      if (value < bestLoss) {
        bestLoss = value;
        best = c;
      }
    }
    if (best < 0 || !(bestLoss < current - 1e-12 * Math.abs(current))) break;
    loss.add(acc, best);
    chosen.push(best);
    trajectory.push(bestLoss);
    current = bestLoss;
  }
  if (chosen.length === 0) {
    // Every NLL is NaN or infinite (degenerate input): fall back to the first candidate.
    chosen.push(0);
    trajectory.push(loss.nllWith(new Float64Array(accLength), 0, 0));
  }
  return { chosen, trajectory };
}

export const deuqSelector: Selector = {
  name: 'deuq',
  select: (candidates, y, metric, options) => deuqSelect(candidates, y, metric, options),
};

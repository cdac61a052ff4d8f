/**
 * Splitting an ensemble's predictive uncertainty into aleatoric (the noise its members predict) and epistemic
 * (their disagreement), per row. The ensemble is read as a mixture: component c (a member's fold model) with weight
 * w_c predicts a distribution; the ensemble predicts their weighted mixture. What the numbers mean and when to trust
 * them: docs/uncertainty.md.
 *
 * - Classification (entropy, in nats): total = H(sum_c w_c p_c) = sum_c w_c H(p_c) + sum_c w_c KL(p_c || p_mean),
 *   i.e. aleatoric = expected member entropy, epistemic = the mutual information between the prediction and the
 *   component (the weighted Jensen-Shannon divergence of the members).
 * - Regression (variance, in squared target units), the law of total variance: total = sum_c w_c var_c +
 *   sum_c w_c (mean_c - mean)^2, aleatoric the first sum, epistemic the second.
 */
import type { Predictions } from '../metrics/types.js';
import { DataError } from '../util/errors.js';

/** One mixture component: its weight (>= 0; all weights sum to 1), predictions (n x k) and, for regression, variances. */
export interface MixtureComponent {
  readonly weight: number;
  readonly predictions: Predictions;
  /** Regression: the component's predicted variance per row (n values). */
  readonly variance?: Predictions;
}

/** Per-row uncertainty: total = aleatoric + epistemic (entropy in nats, or variance in squared target units). */
export interface UncertaintySplit {
  readonly total: Float64Array;
  readonly aleatoric: Float64Array;
  readonly epistemic: Float64Array;
}

/**
 * Entropy split of a mixture of categorical predictions over n rows and k classes. `total` is computed directly as
 * the entropy of the weighted mean and `epistemic` directly as the weighted KL divergence to it (never by
 * subtraction), so epistemic >= 0 holds exactly and total = aleatoric + epistemic holds up to rounding.
 */
export function classificationUncertainty(components: readonly MixtureComponent[], n: number, k: number): UncertaintySplit {
  checkComponents(components, n * k);
  const mean = mixtureMean(components, n * k);
  const total = new Float64Array(n);
  const aleatoric = new Float64Array(n);
  const epistemic = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let h = 0;
    for (let j = 0; j < k; j++) h -= xlogx(mean[row + j]!);
    total[i] = h;
  }
  for (const { weight, predictions: p } of components) {
    if (weight === 0) continue;
    for (let i = 0; i < n; i++) {
      const row = i * k;
      let h = 0;
      let kl = 0;
      for (let j = 0; j < k; j++) {
        const q = p[row + j]!;
        if (q <= 0) continue;
        h -= q * Math.log(q);
        kl += q * Math.log(q / mean[row + j]!);
      }
      aleatoric[i]! += weight * h;
      epistemic[i]! += weight * Math.max(kl, 0);
    }
  }
  return { total, aleatoric, epistemic };
}

/**
 * Variance split of a mixture of regression predictions (law of total variance). A component without `variance`
 * counts as a point prediction (variance 0): give it an estimate (e.g. its out-of-fold mean squared error) when
 * the aleatoric part should be complete. Also returns the mixture mean.
 */
export function regressionUncertainty(components: readonly MixtureComponent[], n: number): UncertaintySplit & { readonly mean: Float64Array } {
  checkComponents(components, n);
  const mean = mixtureMean(components, n);
  const aleatoric = new Float64Array(n);
  const epistemic = new Float64Array(n);
  for (const { weight, predictions: p, variance } of components) {
    if (weight === 0) continue;
    for (let i = 0; i < n; i++) {
      const d = p[i]! - mean[i]!;
      epistemic[i]! += weight * d * d;
      if (variance !== undefined) aleatoric[i]! += weight * variance[i]!;
    }
  }
  const total = new Float64Array(n);
  for (let i = 0; i < n; i++) total[i] = aleatoric[i]! + epistemic[i]!;
  return { total, aleatoric, epistemic, mean };
}

/**
 * Mean Gaussian negative log-likelihood of `y` under N(mean_i, variance_i) per row (nats per row). Variances are
 * floored at `minVariance` so that a zero variance is a large finite loss, not Infinity.
 */
export function gaussianNll(y: Predictions, mean: Predictions, variance: Predictions, minVariance = 1e-12): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const v = Math.max(variance[i]!, minVariance);
    const d = y[i]! - mean[i]!;
    sum += 0.5 * (Math.log(2 * Math.PI * v) + (d * d) / v);
  }
  return sum / y.length;
}

function mixtureMean(components: readonly MixtureComponent[], size: number): Float64Array {
  const mean = new Float64Array(size);
  for (const { weight, predictions: p } of components) {
    if (weight === 0) continue;
    for (let i = 0; i < size; i++) mean[i]! += weight * p[i]!;
  }
  return mean;
}

function xlogx(p: number): number {
  return p > 0 ? p * Math.log(p) : 0;
}

function checkComponents(components: readonly MixtureComponent[], size: number): void {
  if (components.length === 0) throw new DataError('an uncertainty split needs at least one component');
  let sum = 0;
  for (const [c, { weight, predictions, variance }] of components.entries()) {
    if (!(weight >= 0)) throw new DataError(`component ${c}: weight ${weight} is not >= 0`);
    if (predictions.length !== size) throw new DataError(`component ${c}: ${predictions.length} predictions, expected ${size}`);
    if (variance !== undefined && variance.length !== size) {
      throw new DataError(`component ${c}: ${variance.length} variances do not match ${size} predictions`);
    }
    sum += weight;
  }
  if (Math.abs(sum - 1) > 1e-9) throw new DataError(`component weights sum to ${sum}, expected 1`);
}

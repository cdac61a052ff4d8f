/**
 * Recalibrating a regression member's predicted variance on its out-of-fold residuals: calibrated variance =
 * scale * predicted + offset (scale, offset >= 0), fitted by Gaussian maximum likelihood on the out-of-fold rows.
 * A member that predicts no variance gets scale 0 and offset = its out-of-fold mean squared error (the maximum
 * likelihood constant variance). The offset also keeps a zero predicted variance (extra trees agreeing exactly on a
 * duplicated row) from meaning certainty. Two parameters on n rows: cheap, and barely optimistic in-sample.
 */
import type { Predictions } from '../metrics/types.js';
import { goldenSectionMinimize } from '../util/minimize.js';

export interface VarianceCalibration {
  readonly scale: number;
  readonly offset: number;
}

/** The smallest share of the variance the offset may hold (keeps every calibrated variance > 0). */
const MIN_OFFSET_SHARE = 1e-6;

export function fitVarianceCalibration(y: ArrayLike<number>, mean: ArrayLike<number>, variance?: ArrayLike<number>): VarianceCalibration {
  const n = y.length;
  const r2 = new Float64Array(n);
  let mse = 0;
  for (let i = 0; i < n; i++) mse += r2[i] = (y[i]! - mean[i]!) ** 2;
  mse /= n;
  const floor = Math.max(mse * MIN_OFFSET_SHARE, Number.MIN_VALUE);
  if (variance === undefined) return { scale: 0, offset: Math.max(mse, floor) };
  let meanVariance = 0;
  for (let i = 0; i < n; i++) meanVariance += variance[i]! / n;
  if (!(meanVariance > 0)) return { scale: 0, offset: Math.max(mse, floor) };
  // Shape v_i(rho) = (1 - rho) variance_i / meanVariance + rho; for a fixed shape the best overall factor is
  // lambda = mean(r2 / v); the share rho is searched on a log scale.
  const shape = (rho: number, i: number): number => ((1 - rho) * variance[i]!) / meanVariance + rho;
  const lambdaOf = (rho: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += r2[i]! / shape(rho, i);
    return Math.max(s / n, Number.MIN_VALUE);
  };
  const nll = (logRho: number): number => {
    const rho = Math.exp(logRho);
    const lambda = lambdaOf(rho);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.log(lambda * shape(rho, i));
    return s / n + 1; // + mean(r2 / (lambda v)) = 1 at the best lambda
  };
  const rho = Math.exp(goldenSectionMinimize(nll, Math.log(MIN_OFFSET_SHARE), 0, 1e-4));
  const lambda = lambdaOf(rho);
  return { scale: (lambda * (1 - rho)) / meanVariance, offset: Math.max(lambda * rho, floor) };
}

/** Calibrated variances: scale * variance + offset (offset alone without a predicted variance). */
export function applyVarianceCalibration(calibration: VarianceCalibration, n: number, variance?: Predictions): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = calibration.offset + (variance === undefined ? 0 : calibration.scale * variance[i]!);
  return out;
}

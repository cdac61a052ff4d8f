import { exp } from '../../util/portable-math.js';

/** Boosting losses: 'squared_error' (regression), 'log_loss' (binary, one raw score), 'softmax' (multiclass). */
export type BoostLoss = 'squared_error' | 'log_loss' | 'softmax';

const PROB_FLOOR = 1e-15;

/** Starting raw scores: mean, log-odds of the positive rate, or log class priors (floored for absent classes). */
export function initialScores(loss: BoostLoss, y: Float64Array, K: number): Float64Array {
  const n = y.length;
  const init = new Float64Array(K);
  if (n === 0) return init;
  if (loss === 'squared_error') {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i]!;
    init[0] = s / n;
  } else if (loss === 'log_loss') {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i]!;
    const p = Math.min(Math.max(pos / n, 1e-6), 1 - 1e-6);
    init[0] = Math.log(p / (1 - p));
  } else {
    const counts = new Float64Array(K);
    for (let i = 0; i < n; i++) counts[y[i]!]! += 1;
    for (let k = 0; k < K; k++) init[k] = Math.log(Math.max(counts[k]! / n, 1e-6));
  }
  return init;
}

/**
 * Writes the probabilities the gradients need into `prob` (sigmoid or softmax of raw); no-op for squared error.
 * `raw` and `prob` are CLASS-major: value of row i, class k at [k * n + i].
 */
export function lossProbabilities(loss: BoostLoss, raw: Float64Array, K: number, prob: Float64Array): void {
  if (loss === 'squared_error') return;
  if (loss === 'log_loss') {
    for (let i = 0; i < raw.length; i++) prob[i] = sigmoid(raw[i]!);
    return;
  }
  const n = raw.length / K;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (raw[k * n + i]! > m) m = raw[k * n + i]!;
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(raw[k * n + i]! - m);
      prob[k * n + i] = e;
      s += e;
    }
    for (let k = 0; k < K; k++) prob[k * n + i] = prob[k * n + i]! / s;
  }
}

export function sigmoid(x: number): number {
  return 1 / (1 + exp(-x));
}

/** Mean loss of CLASS-major raw scores on validation rows (log loss or mean squared error). */
export function validationLoss(loss: BoostLoss, y: Float64Array, raw: Float64Array, K: number): number {
  const n = y.length;
  let s = 0;
  if (loss === 'squared_error') {
    for (let i = 0; i < n; i++) {
      const e = raw[i]! - y[i]!;
      s += e * e;
    }
  } else if (loss === 'log_loss') {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(raw[i]!);
      s -= Math.log(Math.max(y[i] === 1 ? p : 1 - p, PROB_FLOOR));
    }
  } else {
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (raw[k * n + i]! > m) m = raw[k * n + i]!;
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(raw[k * n + i]! - m);
      s -= raw[y[i]! * n + i]! - m - Math.log(z);
    }
  }
  return s / Math.max(n, 1);
}

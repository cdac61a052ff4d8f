/**
 * Temperature scaling (Guo et al. 2017) of an ensemble's class probabilities: p_T(c) proportional to p(c)^(1/T), one
 * parameter fitted by minimizing the log loss of the out-of-fold predictions. It keeps each row's class ranking
 * (argmax, accuracy, AUC) and changes only how confident the probabilities are.
 */
import type { Labels, Predictions } from '../metrics/types.js';
import { goldenSectionMinimize } from '../util/minimize.js';

/** Probabilities are clipped here before the logarithm (as the log_loss metric does). */
const EPS = 1e-15;
/** Search range of 1/T: from 20x flatter to 20x sharper. */
const MIN_INVERSE = 0.05;
const MAX_INVERSE = 20;

/** The temperature T minimizing the log loss of `p` (n x k) on labels `y`. */
export function fitTemperature(y: Labels, p: Predictions, k: number): number {
  const n = y.length;
  const logp = new Float64Array(n * k);
  for (let i = 0; i < logp.length; i++) logp[i] = Math.log(Math.max(p[i]!, EPS));
  const loss = (beta: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const row = i * k;
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, beta * logp[row + c]!);
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(beta * logp[row + c]! - max);
      sum -= beta * logp[row + y[i]!]! - max - Math.log(z);
    }
    return sum / n;
  };
  // The log loss is convex in beta = 1/T (a log-sum-exp of terms linear in beta), so the search is exact.
  return 1 / goldenSectionMinimize(loss, MIN_INVERSE, MAX_INVERSE, 1e-6);
}

/** `p` (n x k) at temperature T: a new array, rows summing to 1. */
export function applyTemperature(p: Predictions, k: number, temperature: number): Float64Array {
  const beta = 1 / temperature;
  const out = new Float64Array(p.length);
  for (let row = 0; row < p.length; row += k) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, beta * Math.log(Math.max(p[row + c]!, EPS)));
    let z = 0;
    for (let c = 0; c < k; c++) z += out[row + c] = Math.exp(beta * Math.log(Math.max(p[row + c]!, EPS)) - max);
    for (let c = 0; c < k; c++) out[row + c]! /= z;
  }
  return out;
}

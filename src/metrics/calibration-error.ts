/**
 * Expected calibration error (Naeini et al. 2015, as in Guo et al. 2017): rows binned by the probability of their
 * predicted class (top label) into equal-width bins; the row-weighted mean over bins of |accuracy - confidence|.
 * 0 is perfectly calibrated. Not a selection `Metric`: it is reported, never optimized.
 */
import type { Labels, Predictions } from './types.js';

export function expectedCalibrationError(y: Labels, p: Predictions, k: number, bins = 15): number {
  const n = y.length;
  const count = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c]! > p[i * k + best]!) best = c;
    const conf = p[i * k + best]!;
    const b = Math.min(bins - 1, Math.floor(conf * bins));
    count[b]!++;
    confidence[b]! += conf;
    if (best === y[i]) correct[b]!++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) ece += Math.abs(correct[b]! - confidence[b]!) / n;
  return ece;
}

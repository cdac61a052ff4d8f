/**
 * Applying a selected ensemble: the single function every consumer (bundle, predict, quality benchmark) uses
 * to turn member predictions into ensemble predictions.
 */
import type { Predictions } from '../metrics/types.js';
import { DataError } from '../util/errors.js';
import { memberInputColumns, predictStacking } from './stacking-model.js';
import type { Combiner } from './types.js';

/**
 * Ensemble predictions (row-major n x k) from the members' predictions on the same n rows.
 * - weights: the weighted average of the members (weights sum to 1).
 * - stacking: the meta-model on the members' predictions (plus `features`, a dense row-major n x d matrix, when
 *   the model was fitted with the original features; the caller encodes them as it did for selection).
 * Throws DataError when a member's predictions are missing or mis-shaped.
 */
export function combinePredictions(
  combiner: Combiner,
  memberPredictions: ReadonlyMap<number, Predictions>,
  n: number,
  k: number,
  features?: Float64Array,
): Float64Array {
  const members = combiner.memberIds.map((id) => {
    const p = memberPredictions.get(id);
    if (p === undefined) throw new DataError(`ensemble member ${id}: no predictions given`);
    if (p.length !== n * k) throw new DataError(`ensemble member ${id}: ${p.length} prediction values, expected ${n} x ${k}`);
    return p;
  });
  if (combiner.kind === 'stacking') return predictStacking(combiner.model, members, n, k, features);
  const out = new Float64Array(n * k);
  for (let j = 0; j < members.length; j++) {
    const w = combiner.weights[j]!;
    const m = members[j]!;
    for (let i = 0; i < out.length; i++) out[i]! += w * m[i]!;
  }
  return out;
}

/** The mean of equally shaped predictions (a member's fold models: bagging), as one array (the input itself for one). */
export function averagePredictions(parts: readonly Float64Array[], size: number): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const sum = new Float64Array(size);
  for (const p of parts) for (let i = 0; i < size; i++) sum[i]! += p[i]!;
  const inv = 1 / parts.length;
  for (let i = 0; i < size; i++) sum[i]! *= inv;
  return sum;
}

/**
 * Each member's share of an ensemble, for people (summaries, leaderboards): the weights of a weighted average;
 * for stacking, the member's share of the meta-model's absolute coefficients over its own input columns
 * (the original-feature columns, if any, are not a member's). Shares sum to 1 (all 0 for an all-zero model).
 */
export function combinerMemberWeights(combiner: Combiner): Map<number, number> {
  if (combiner.kind === 'weights') return new Map(combiner.memberIds.map((id, i) => [id, combiner.weights[i]!]));
  const { model, memberIds } = combiner;
  const perMember = memberInputColumns(model.nOutputs).length;
  const outputs = model.coefficients.length / model.inputWidth;
  const mass = memberIds.map((_, m) => {
    let sum = 0;
    for (let row = m * perMember; row < (m + 1) * perMember; row++) {
      for (let c = 0; c < outputs; c++) sum += Math.abs(model.coefficients[row * outputs + c]!);
    }
    return sum;
  });
  const total = mass.reduce((a, b) => a + b, 0);
  return new Map(memberIds.map((id, m) => [id, total > 0 ? mass[m]! / total : 0]));
}

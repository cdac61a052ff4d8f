/** onnxruntime-node around our ONNX export, for the ONNX tests and the ONNX benchmark. */
import * as ort from 'onnxruntime-node';
import type { FeatureTable } from '../../src/data/dataset.js';
import type { EnsembleModel } from '../../src/serving/ensemble-model.js';

export { ort };

/** Graph inputs for `table`'s rows: numeric features as double [N, 1], categorical ones as string [N, 1] ("" = missing). */
export function onnxFeeds(model: EnsembleModel, table: FeatureTable): Record<string, ort.Tensor> {
  const aligned = model.featureTable(table);
  const feeds: Record<string, ort.Tensor> = {};
  for (const c of aligned.features) {
    const n = aligned.nRows;
    if (c.kind === 'numeric') feeds[c.name] = new ort.Tensor('float64', Float64Array.from(c.values.subarray(0, n)), [n, 1]);
    else feeds[c.name] = new ort.Tensor('string', Array.from(c.codes.subarray(0, n), (code) => (code < 0 ? '' : c.categories[code]!)), [n, 1]);
  }
  return feeds;
}

/** The ONNX model's predictions as our row-major n x k matrix, and its labels (classification). */
export async function runOnnx(
  session: ort.InferenceSession,
  model: EnsembleModel,
  table: FeatureTable,
): Promise<{ matrix: Float64Array; labels?: string[] }> {
  const out = await session.run(onnxFeeds(model, table));
  if (model.task === 'regression') return { matrix: Float64Array.from(out.prediction!.data as Float64Array) };
  return { matrix: Float64Array.from(out.probabilities!.data as Float64Array), labels: Array.from(out.label!.data as string[]) };
}

/** Largest absolute difference between two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

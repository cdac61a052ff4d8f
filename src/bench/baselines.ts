/**
 * Baselines that need no search: the constant predictor (the AMLB's `constantpredictor`: class priors of the
 * training rows, or their mean for regression) and member families at their default configuration (our random
 * forest and gradient boosting).
 */
import { outputWidth, type Dataset, type FeatureTable } from '../data/dataset.js';
import { getFamily } from '../models/registry.js';

/** Row-major n x k predictions of the constant predictor fitted on `train`. */
export function constantPredictions(train: Dataset, nTest: number): Float64Array {
  const k = outputWidth(train);
  const row = new Float64Array(k);
  if (train.target.kind === 'classes') {
    for (const c of train.target.codes) row[c] = row[c]! + 1;
    for (let j = 0; j < k; j++) row[j] = row[j]! / train.nRows;
  } else {
    let sum = 0;
    for (const v of train.target.values) sum += v;
    row[0] = sum / train.nRows;
  }
  const out = new Float64Array(nTest * k);
  for (let i = 0; i < nTest; i++) out.set(row, i * k);
  return out;
}

export interface FittedBaseline {
  readonly trainSeconds: number;
  predict(table: FeatureTable): Float64Array;
}

/** A member family at its defaults, fitted on all training rows. */
export async function fitDefaultFamily(family: string, train: Dataset, seed: number, signal?: AbortSignal): Promise<FittedBaseline> {
  const started = performance.now();
  const member = await getFamily(family).fit(train, {}, {
    seed,
    signal: signal ?? new AbortController().signal,
    deadline: Infinity,
  });
  const trainSeconds = (performance.now() - started) / 1000;
  return { trainSeconds, predict: (table) => member.predict(table) };
}

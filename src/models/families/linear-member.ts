/**
 * A fitted `linear` member (see ./linear.ts): its prediction and (de)serialization only, free of the solvers, so
 * loading a bundle (in Node or in a browser) needs no fitting code.
 */
import type { FeatureTable, Task } from '../../data/dataset.js';
import { loadDenseEncoder } from '../../preprocess/dense-encoder.js';
import type { DenseEncoder } from '../../preprocess/types.js';
import { predictLinear, predictLogistic, type LinearCoefficients } from '../linear/predict.js';
import { checkSerialized, float64Blob, readFloat64Blob } from '../serialization.js';
import type { FittedMember, SerializedMember } from '../types.js';

const FAMILY = 'linear';
const FORMAT_VERSION = 1;

interface LinearState {
  readonly task: Task;
  readonly encoder: unknown;
}

export class LinearMember implements FittedMember {
  readonly family = FAMILY;
  readonly nOutputs: number;

  constructor(
    private readonly task: Task,
    private readonly encoder: DenseEncoder,
    private readonly model: LinearCoefficients,
  ) {
    this.nOutputs = model.intercept.length;
  }

  predict(table: FeatureTable): Float64Array {
    const X = this.encoder.transform(table);
    const n = table.nRows;
    const d = this.encoder.width;
    return this.task === 'regression' ? predictLinear(X, n, d, this.model) : predictLogistic(X, n, d, this.model);
  }

  serialize(): SerializedMember {
    const state: LinearState = { task: this.task, encoder: this.encoder.toJSON() };
    return {
      family: FAMILY,
      formatVersion: FORMAT_VERSION,
      state,
      blobs: { coef: float64Blob(this.model.coef), intercept: float64Blob(this.model.intercept) },
    };
  }
}

export async function loadLinear(serialized: SerializedMember): Promise<FittedMember> {
  const state = checkSerialized(serialized, FAMILY, FORMAT_VERSION) as Partial<LinearState>;
  const task = state.task;
  if (task !== 'binary' && task !== 'multiclass' && task !== 'regression') throw new Error(`${FAMILY}: bad task in state`);
  const encoder = loadDenseEncoder(state.encoder);
  const coef = readFloat64Blob(serialized.blobs['coef'], 'coef');
  const intercept = readFloat64Blob(serialized.blobs['intercept'], 'intercept');
  if (intercept.length === 0 || coef.length !== encoder.width * intercept.length) {
    throw new Error(`${FAMILY}: coef has ${coef.length} values for ${encoder.width} inputs x ${intercept.length} outputs`);
  }
  return new LinearMember(task, encoder, { coef, intercept });
}

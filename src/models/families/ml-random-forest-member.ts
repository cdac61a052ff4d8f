/**
 * A fitted `ml_random_forest` member (see ./ml-random-forest.ts): prediction over the package's model JSON by our
 * compiled traversal, and its (de)serialization; free of the package itself, which only training needs.
 */
import type { FeatureTable, Task } from '../../data/dataset.js';
import { loadDenseEncoder } from '../../preprocess/dense-encoder.js';
import type { DenseEncoder } from '../../preprocess/types.js';
import { checkSerialized } from '../serialization.js';
import type { FittedMember, SerializedMember } from '../types.js';
import { compileForest, predictCompiled, type CompiledForest, type ForestJson } from './ml-random-forest-trees.js';

const FAMILY = 'ml_random_forest';
const FORMAT_VERSION = 1;

interface MlrfState {
  readonly task: Task;
  readonly nOutputs: number;
  readonly encoder: unknown;
  /** The package's model JSON (`RandomForestClassifier#toJSON()` / `RandomForestRegression#toJSON()`). */
  readonly forest: ForestJson;
}

export class MlrfMember implements FittedMember {
  readonly family = FAMILY;
  private readonly compiled: CompiledForest;

  constructor(
    private readonly task: Task,
    readonly nOutputs: number,
    private readonly encoder: DenseEncoder,
    private readonly forest: ForestJson,
  ) {
    this.compiled = compileForest(forest, task === 'regression' ? 1 : nOutputs);
  }

  predict(table: FeatureTable): Float64Array {
    const X = this.encoder.transform(table);
    return predictCompiled(this.compiled, X, table.nRows, this.encoder.width);
  }

  serialize(): SerializedMember {
    const state: MlrfState = { task: this.task, nOutputs: this.nOutputs, encoder: this.encoder.toJSON(), forest: this.forest };
    return { family: FAMILY, formatVersion: FORMAT_VERSION, state, blobs: {} };
  }
}

export async function loadMlrf(serialized: SerializedMember): Promise<FittedMember> {
  const state = checkSerialized(serialized, FAMILY, FORMAT_VERSION) as Partial<MlrfState>;
  const task = state.task;
  if (task !== 'binary' && task !== 'multiclass' && task !== 'regression') throw new Error(`${FAMILY}: bad task in state`);
  if (typeof state.nOutputs !== 'number' || state.forest === undefined) throw new Error(`${FAMILY}: incomplete state`);
  return new MlrfMember(task, state.nOutputs, loadDenseEncoder(state.encoder), state.forest);
}

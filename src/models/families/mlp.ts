import type { Dataset, FeatureTable, Task } from '../../data/dataset.js';
import { loadDenseEncoder } from '../../preprocess/dense-encoder.js';
import type { DenseEncoder } from '../../preprocess/types.js';
import { resolveConfig, schemaDefaults } from '../config.js';
import { MlpPredictor, unpackWeights, type MlpTopology } from '../neural/network.js';
import { checkSerialized, float32Blob, readFloat32Blob } from '../serialization.js';
import type { Config, FitContext, FittedMember, MemberFamily, SerializedMember } from '../types.js';
import { NEURAL_SCHEMA, prepareNeuralFit, trainingSummary, unscaleTargets, type TrainingSummary } from './neural-common.js';

/**
 * `mlp`: a multilayer perceptron trained with TensorFlow.js (backend chosen once per process, see
 * ../neural/backend.ts; training step ../neural/train.ts) on DenseEncoder inputs (imputation, missing
 * indicators, one-hot, standardization). Classification: softmax over all k classes of the dataset,
 * cross-entropy (optionally class-balanced). Regression: the target is standardized for training and the output
 * mapped back; n x 1 predictions. Early stopping watches the loss on a seeded validation part
 * (`validation_fraction` of the training rows, stratified for classification; none below 20 rows or with
 * fraction 0) and restores the best epoch's weights. `batch_size` 0 (the default) scales the batch with rows.
 *
 * Predictions run in plain JavaScript over the trained float32 weights (../neural/network.ts), so they do not
 * depend on the training backend, a reloaded member predicts bit-identical numbers, and TensorFlow.js is
 * imported (lazily) only by `fit`. Serialized form: the topology, encoder and target scaling in `state`, all
 * weights in one little-endian float32 blob `weights`.
 */
const FAMILY = 'mlp';
const FORMAT_VERSION = 1;

const SCHEMA = {
  ...NEURAL_SCHEMA,
  batch_norm: { kind: 'boolean', default: false, doc: 'batch normalization before each activation' },
} as const;

const resolveParams = (config: Config) => resolveConfig(FAMILY, SCHEMA, config);

interface MlpState {
  readonly task: Task;
  readonly topology: MlpTopology;
  readonly encoder: unknown;
  /** Regression target scaling: prediction = output * targetScale + targetCenter. */
  readonly targetCenter: number;
  readonly targetScale: number;
  readonly training: TrainingSummary;
}

class MlpMember implements FittedMember {
  readonly family = FAMILY;
  readonly nOutputs: number;
  readonly backend: string;
  private readonly predictor: MlpPredictor;

  constructor(
    private readonly state: MlpState,
    private readonly encoder: DenseEncoder,
    private readonly weights: Float32Array,
  ) {
    this.nOutputs = state.topology.outputWidth;
    this.backend = state.training.backend;
    this.predictor = new MlpPredictor(state.topology, unpackWeights(state.topology, weights));
  }

  predict(table: FeatureTable): Float64Array {
    return unscaleTargets(this.predictor.predict(this.encoder.transform(table), table.nRows), this.state);
  }

  serialize(): SerializedMember {
    return { family: FAMILY, formatVersion: FORMAT_VERSION, state: this.state, blobs: { weights: float32Blob(this.weights) } };
  }
}

async function fitMlp(train: Dataset, config: Config, ctx: FitContext): Promise<FittedMember> {
  const params = resolveParams(config);
  const setup = await prepareNeuralFit(FAMILY, train, params, ctx);
  const topology: MlpTopology = {
    inputWidth: setup.encoder.width,
    hidden: new Array<number>(params.hidden_layers).fill(params.width),
    outputWidth: setup.outputWidth,
    activation: params.activation,
    batchNorm: params.batch_norm,
    output: setup.output,
  };
  const result = await setup.trainer.trainMlp(setup.train, setup.valid, { ...setup.loop, topology, dropout: params.dropout });
  const state: MlpState = {
    task: train.task,
    topology,
    encoder: setup.encoder.toJSON(),
    targetCenter: setup.targetCenter,
    targetScale: setup.targetScale,
    training: trainingSummary(setup, result),
  };
  return new MlpMember(state, setup.encoder, result.weights);
}

async function loadMlp(serialized: SerializedMember): Promise<FittedMember> {
  const state = checkSerialized(serialized, FAMILY, FORMAT_VERSION) as unknown as MlpState;
  if (typeof state.topology !== 'object' || state.topology === null) throw new Error(`${FAMILY}: state lacks the topology`);
  if (typeof state.targetCenter !== 'number' || typeof state.targetScale !== 'number') {
    throw new Error(`${FAMILY}: state lacks the target scaling`);
  }
  const encoder = loadDenseEncoder(state.encoder);
  if (encoder.width !== state.topology.inputWidth) {
    throw new Error(`${FAMILY}: encoder width ${encoder.width} != network input ${state.topology.inputWidth}`);
  }
  return new MlpMember(state, encoder, readFloat32Blob(serialized.blobs['weights'], 'weights'));
}

export const mlpFamily: MemberFamily = {
  name: FAMILY,
  description: 'Multilayer perceptron (TensorFlow.js: Adam, dropout, batch norm, early stopping) on standardized one-hot inputs',
  defaults: schemaDefaults(SCHEMA),
  supports: () => true,
  fit: fitMlp,
  load: loadMlp,
};

export const mlpSchema = SCHEMA;

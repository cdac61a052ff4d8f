import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeRows, type Dataset } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { holdout } from '../../src/data/split.js';
import { selectBackend } from '../../src/models/neural/backend.js';
import { tabmInitialParameters, tabmLayout, TabmPredictor, type TabmTopology } from '../../src/models/neural/tabm.js';
import { TabmNetwork } from '../../src/models/neural/tabm-network.js';
import { headFor, trainNetwork, type TrainData } from '../../src/models/neural/train.js';
import { fitDenseEncoder } from '../../src/preprocess/dense-encoder.js';
import { Rng } from '../../src/util/random.js';

const never = new AbortController().signal;

test('TabM predicts the mean of its members: k members equal the average of k one-member networks cut from it', () => {
  const topology: TabmTopology = { inputWidth: 4, hidden: [6, 5], outputWidth: 3, activation: 'elu', members: 3, adapters: 'all', output: 'softmax' };
  const rng = new Rng(5);
  const weights = tabmInitialParameters(topology, rng).map((w) => w + rng.uniform(-0.5, 0.5));
  const layout = tabmLayout(topology);
  const single = { ...topology, members: 1 };
  const singleLayout = tabmLayout(single);
  const X = Float64Array.from({ length: 7 * 4 }, () => rng.normal());
  const mean = new Float64Array(7 * 3);
  for (let m = 0; m < 3; m++) {
    const own = new Float32Array(singleLayout.size);
    singleLayout.blocks.forEach((block) => {
      const from = layout.view(weights, block.name);
      // Per-member blocks have the member as their first axis; the shared kernels are copied whole.
      const perMember = block.name.endsWith('.kernel') && block.name !== 'head.kernel' ? from : from.subarray((m * from.length) / 3, ((m + 1) * from.length) / 3);
      singleLayout.view(own, block.name).set(perMember);
    });
    const p = new TabmPredictor(single, own).predict(X, 7);
    for (let i = 0; i < p.length; i++) mean[i] += p[i]! / 3;
  }
  const together = new TabmPredictor(topology, weights).predict(X, 7);
  for (let i = 0; i < mean.length; i++) assert.ok(Math.abs(together[i]! - mean[i]!) < 1e-12, `${i}: ${together[i]} vs ${mean[i]}`);
});

test('TabM (k = 32) learns vehicle; the JS predictor reproduces the validation loss TensorFlow.js measured', async () => {
  await selectBackend('wasm');
  const vehicle = loadDatasetFile('../shared/datasets/vehicle.arff');
  const split = holdout(vehicle.nRows, 0.25, 3, vehicle.target.kind === 'classes' ? vehicle.target.codes : undefined);
  const encoder = fitDenseEncoder(takeRows(vehicle, split.train));
  const data = (ds: Dataset): TrainData & { X64: Float64Array; labels: Int32Array } => {
    const X64 = encoder.transform(ds);
    return { X: Float32Array.from(X64), X64, n: ds.nRows, labels: ds.target.kind === 'classes' ? ds.target.codes : new Int32Array() };
  };
  const train = data(takeRows(vehicle, split.train));
  const valid = data(takeRows(vehicle, split.test));
  for (const adapters of ['all', 'first'] as const) {
    const topology: TabmTopology = { inputWidth: encoder.width, hidden: [32, 32], outputWidth: 4, activation: 'relu', members: 32, adapters, output: 'softmax' };
    const result = await trainNetwork(new TabmNetwork(topology, 0.1), headFor(topology), train, valid, {
      learningRate: 0.003,
      schedule: 'constant',
      batchSize: 64,
      maxEpochs: 8,
      patience: 8,
      l2: 0,
      seed: 2,
      signal: never,
      deadline: Infinity,
    });
    const P = new TabmPredictor(topology, result.parameters).predict(valid.X64, valid.n);
    let loss = 0;
    for (let i = 0; i < valid.n; i++) loss -= Math.log(P[i * 4 + valid.labels[i]!]!);
    loss /= valid.n;
    assert.ok(Math.abs(loss - result.bestLoss) < 1e-4 * Math.max(1, loss), `${adapters}: JS ${loss} vs tf ${result.bestLoss}`);
    assert.ok(result.bestLoss < 0.8 * Math.log(4), `${adapters}: did not learn (${result.bestLoss})`);
  }
});

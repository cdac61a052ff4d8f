import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { takeRows, type Dataset } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { holdout } from '../../src/data/split.js';
import { mlpFamily } from '../../src/models/families/mlp.js';
import { selectBackend } from '../../src/models/neural/backend.js';
import { MlpPredictor, unpackWeights, type MlpTopology } from '../../src/models/neural/network.js';
import { trainMlp, type TrainData } from '../../src/models/neural/train.js';
import { fitDenseEncoder } from '../../src/preprocess/dense-encoder.js';

const DATA = '../shared/datasets';
const never = new AbortController().signal;

function classData(ds: Dataset, encoder = fitDenseEncoder(ds)): TrainData & { labels: Int32Array; X64: Float64Array } {
  if (ds.target.kind !== 'classes') throw new Error('classification expected');
  const X64 = encoder.transform(ds);
  return { X: Float32Array.from(X64), X64, n: ds.nRows, labels: ds.target.codes };
}

function crossEntropy(P: Float64Array, labels: Int32Array, k: number): number {
  let loss = 0;
  for (let i = 0; i < labels.length; i++) loss -= Math.log(P[i * k + labels[i]!]!);
  return loss / labels.length;
}

test('the same training code runs on every installed backend (wasm, cpu): learns, deterministic, no leaked tensors', async () => {
  const iris = loadDatasetFile(`${DATA}/iris.arff`);
  const data = classData(iris);
  const topology: MlpTopology = { inputWidth: 4, hidden: [16], outputWidth: 3, activation: 'relu', batchNorm: false, output: 'softmax' };
  const options = {
    topology,
    dropout: 0.1,
    learningRate: 0.02,
    schedule: 'constant' as const,
    batchSize: 32,
    maxEpochs: 15,
    patience: 5,
    l2: 0,
    seed: 5,
    signal: never,
    deadline: Infinity,
  };
  for (const backend of ['wasm', 'cpu'] as const) {
    const report = await selectBackend(backend);
    assert.equal(report.name, backend);
    const tensorsBefore = tf.memory().numTensors;
    const first = await trainMlp(data, null, options);
    const second = await trainMlp(data, null, options);
    assert.equal(tf.memory().numTensors, tensorsBefore, `${backend}: training leaked tensors`);
    assert.deepEqual(first.weights, second.weights, `${backend}: same seed must give the same weights`);
    const P = new MlpPredictor(topology, unpackWeights(topology, first.weights)).predict(data.X64, data.n);
    assert.ok(crossEntropy(P, data.labels, 3) < 0.5 * Math.log(3), `${backend}: did not learn iris`);
  }
});

test('JS inference (batch norm folded) reproduces the loss TensorFlow.js measured on the validation part', async () => {
  await selectBackend('wasm');
  const vehicle = loadDatasetFile(`${DATA}/vehicle.arff`);
  const split = holdout(vehicle.nRows, 0.25, 3, vehicle.target.kind === 'classes' ? vehicle.target.codes : undefined);
  const encoder = fitDenseEncoder(takeRows(vehicle, split.train));
  const train = classData(takeRows(vehicle, split.train), encoder);
  const valid = classData(takeRows(vehicle, split.test), encoder);
  const topology: MlpTopology = {
    inputWidth: encoder.width,
    hidden: [24, 12],
    outputWidth: 4,
    activation: 'elu',
    batchNorm: true,
    output: 'softmax',
  };
  const result = await trainMlp(train, valid, {
    topology,
    dropout: 0.2,
    learningRate: 0.01,
    schedule: 'plateau',
    batchSize: 64,
    maxEpochs: 12,
    patience: 4,
    l2: 1e-4,
    seed: 9,
    signal: never,
    deadline: Infinity,
  });
  const P = new MlpPredictor(topology, unpackWeights(topology, result.weights)).predict(valid.X64, valid.n);
  const jsLoss = crossEntropy(P, valid.labels, 4);
  assert.ok(Math.abs(jsLoss - result.bestLoss) < 1e-4 * Math.max(1, result.bestLoss), `JS ${jsLoss} vs tf ${result.bestLoss}`);
  assert.ok(result.bestLoss < Math.log(4), 'the network learned something');
});

test('mlp family: regression with batch norm is scaled back to target units; balanced weights lift the minority class', async () => {
  const ctx = { seed: 3, signal: never, deadline: Infinity };
  const boston = loadDatasetFile(`${DATA}/boston.arff`);
  const split = holdout(boston.nRows, 0.3, 1);
  const train = takeRows(boston, split.train);
  const test = takeRows(boston, split.test);
  const member = await mlpFamily.fit(train, { hidden_layers: 2, width: 32, batch_norm: true, max_epochs: 15, batch_size: 32, learning_rate: 0.005 }, ctx);
  const p = member.predict(test);
  const y = test.target.kind === 'values' ? test.target.values : new Float64Array();
  const meanTrain = train.target.kind === 'values' ? train.target.values.reduce((a, b) => a + b, 0) / train.nRows : 0;
  let mse = 0;
  let constant = 0;
  for (let i = 0; i < y.length; i++) {
    mse += (p[i]! - y[i]!) ** 2;
    constant += (meanTrain - y[i]!) ** 2;
  }
  assert.ok(mse < 0.5 * constant, `MSE ${mse / y.length} vs constant ${constant / y.length}`);

  const diabetes = loadDatasetFile(`${DATA}/diabetes.arff`);
  const config = { hidden_layers: 1, width: 16, max_epochs: 6, batch_size: 64, learning_rate: 0.005 };
  const plain = (await mlpFamily.fit(diabetes, config, ctx)).predict(diabetes);
  const balanced = (await mlpFamily.fit(diabetes, { ...config, class_weight: 'balanced' }, ctx)).predict(diabetes);
  const meanMinority = (p2: Float64Array) => p2.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0) / diabetes.nRows;
  // diabetes: 268 positives of 768; balanced weighting moves the average positive probability up towards 0.5.
  assert.ok(meanMinority(balanced) > meanMinority(plain) + 0.02, `${meanMinority(balanced)} vs ${meanMinority(plain)}`);
});

test('mlp family: a passed deadline stops training after the current epoch and keeps the best weights', async () => {
  const iris = loadDatasetFile(`${DATA}/iris.arff`);
  const member = await mlpFamily.fit(iris, { max_epochs: 500, width: 8 }, { seed: 1, signal: never, deadline: Date.now() });
  const training = (member.serialize().state as { training: { epochs: number; stoppedBy: string } }).training;
  assert.equal(training.stoppedBy, 'deadline');
  assert.equal(training.epochs, 1);
  assert.equal(member.predict(iris).length, 150 * 3);
});

test('mlp family: the Gaussian head (loss gaussian_nll) learns noise that grows with x, in target units', async () => {
  const { datasetFromRows } = await import('../../src/data/load.js');
  const rows = Array.from({ length: 600 }, (_, i) => {
    const x = -1 + (2 * ((i * 7919) % 600)) / 599;
    const noise = Math.sin(i * 12.9898) * 43758.5453;
    const z = (noise - Math.floor(noise)) * 2 - 1; // deterministic, roughly uniform in [-1, 1]
    return { x, y: 100 * (2 * x + (0.05 + Math.abs(x)) * 1.7 * z) };
  });
  const data = datasetFromRows(rows, { target: 'y' });
  const member = await mlpFamily.fit(data, { hidden_layers: 2, width: 32, max_epochs: 80, learning_rate: 0.01, batch_size: 64, patience: 15, loss: 'gaussian_nll' }, {
    seed: 3, signal: never, deadline: Infinity,
  });
  assert.equal(member.nOutputs, 1);
  const probe = { nRows: 3, features: [{ name: 'x', kind: 'numeric' as const, values: Float64Array.of(0, 0.95, -0.95) }] };
  const mean = member.predict(probe);
  const sd = Array.from(member.predictVariance!(probe), Math.sqrt);
  assert.ok(Math.abs(mean[1]! - 190) < 40, `mean at x = 0.95: ${mean[1]}`);
  // True sd (uniform noise of half-width 1.7 (0.05 + |x|) x 100): about 5 at x = 0 and 98 at |x| = 0.95.
  assert.ok(sd[1]! > 3 * sd[0]! && sd[2]! > 3 * sd[0]!, `sd ${sd.map((s) => s.toFixed(1)).join(', ')}`);
  assert.ok(sd[1]! > 40 && sd[1]! < 200, `sd at x = 0.95 in target units: ${sd[1]}`);
  const plain = await mlpFamily.fit(data, { hidden_layers: 1, width: 8, max_epochs: 3 }, { seed: 3, signal: never, deadline: Infinity });
  assert.equal(plain.predictVariance, undefined, 'squared error: no variance');
});

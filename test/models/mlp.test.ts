import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { takeRows, type Dataset } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { holdout } from '../../src/data/split.js';
import { mlpFamily } from '../../src/models/families/mlp.js';
import { autoBatchSize } from '../../src/models/families/neural-common.js';
import { selectBackend } from '../../src/models/neural/backend.js';
import { MlpPredictor, unpackWeights, type MlpTopology } from '../../src/models/neural/network.js';
import { softmaxCrossEntropy } from '../../src/models/neural/heads.js';
import { MlpNetwork } from '../../src/models/neural/mlp-network.js';
import { trainMlp, trainNetwork, type TrainData } from '../../src/models/neural/train.js';
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

test('deadline on an injected clock: no epoch starts that would end past it, and a passed deadline cuts the epoch', async () => {
  await selectBackend('wasm');
  const iris = loadDatasetFile(`${DATA}/iris.arff`);
  const data = classData(iris);
  const topology: MlpTopology = { inputWidth: 4, hidden: [8], outputWidth: 3, activation: 'relu', batchNorm: false, output: 'softmax' };
  // A clock that advances one unit per reading: an epoch reads it at its start, before every batch but the
  // fit's first, and at its end.
  const ticking = () => {
    let t = 0;
    return () => t++;
  };
  const base = { topology, dropout: 0, learningRate: 0.01, schedule: 'constant' as const, maxEpochs: 50, patience: 50, l2: 0, seed: 1, signal: never };
  // One batch per epoch. Epoch 1 reads 0 and 1 (1 unit long); epoch 2 reads 2, 3, 4 and epoch 3 reads 5, 6, 7
  // (2 units long): after epoch 3, 7 + 2 > 8, so epoch 4 is not started.
  const capped = await trainMlp(data, null, { ...base, batchSize: 150, deadline: 8, now: ticking() });
  assert.deepEqual([capped.epochs, capped.stoppedBy, capped.steps], [3, 'deadline', 3]);
  // Three batches per epoch: the reading before the third batch is 2 = the deadline, so the epoch ends there.
  const cut = await trainMlp(data, null, { ...base, batchSize: 50, deadline: 2, now: ticking() });
  assert.deepEqual([cut.epochs, cut.stoppedBy, cut.steps, cut.samples], [1, 'deadline', 2, 100]);
});

test('batch size 0 scales with rows: about 2 sqrt(rows) as a power of two, within [32, 1024]', () => {
  assert.deepEqual([10, 500, 5_000, 100_000, 10_000_000].map(autoBatchSize), [32, 32, 128, 512, 1024]);
});

test('the GPU placement (rows gathered on the device, one flat parameter vector) trains the very same weights', async () => {
  await selectBackend('wasm');
  const vehicle = loadDatasetFile(`${DATA}/vehicle.arff`);
  const split = holdout(vehicle.nRows, 0.25, 3, vehicle.target.kind === 'classes' ? vehicle.target.codes : undefined);
  const encoder = fitDenseEncoder(takeRows(vehicle, split.train));
  const train = { ...classData(takeRows(vehicle, split.train), encoder), weights: Float32Array.from({ length: split.train.length }, (_, i) => 1 + (i % 3)) };
  const valid = classData(takeRows(vehicle, split.test), encoder);
  const topology: MlpTopology = { inputWidth: encoder.width, hidden: [16, 8], outputWidth: 4, activation: 'tanh', batchNorm: true, output: 'softmax' };
  const options = { topology, dropout: 0.1, learningRate: 0.01, schedule: 'cosine' as const, batchSize: 64, maxEpochs: 4, patience: 4, l2: 1e-3, seed: 4, signal: never, deadline: Infinity };
  const host = await trainMlp(train, valid, { ...options, placement: 'host' });
  const device = await trainMlp(train, valid, { ...options, placement: 'device' });
  assert.deepEqual(device.weights, host.weights);
  assert.equal(device.bestLoss, host.bestLoss);
});

test('a network and head that disagree are refused before training, with nothing left on the device', async () => {
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  const network = new MlpNetwork({ inputWidth: 4, hidden: [4], outputWidth: 3, activation: 'relu', batchNorm: true, output: 'softmax' }, 0);
  const iris = classData(loadDatasetFile(`${DATA}/iris.arff`));
  const options = { learningRate: 0.01, schedule: 'constant' as const, batchSize: 32, maxEpochs: 1, patience: 1, l2: 0, seed: 1, signal: never, deadline: Infinity };
  await assert.rejects(trainNetwork(network, softmaxCrossEntropy(2), iris, null, options), /wants 2 outputs, the network has 3/);
  assert.equal(tf.memory().numTensors, before);
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
  const never = new AbortController().signal;
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
  const reloaded = await mlpFamily.load(member.serialize());
  assert.equal(member.serialize().formatVersion, 2);
  assert.deepEqual(reloaded.predictVariance!(probe), member.predictVariance!(probe));
  const plain = await mlpFamily.fit(data, { hidden_layers: 1, width: 8, max_epochs: 3 }, { seed: 3, signal: never, deadline: Infinity });
  assert.equal(plain.predictVariance, undefined, 'squared error: no variance');
  assert.equal(plain.serialize().formatVersion, 1);
});

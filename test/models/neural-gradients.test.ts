/**
 * The hand-written backward passes (MLP and TabM) against TensorFlow.js autodiff of the same forward pass, on
 * wasm (explicit transposes, per-block parameters) and cpu (transpose flags): every block's gradient, for each
 * activation, with dropout, batch norm, per-row weights, both TabM adapter layouts and every output head.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/util/random.js';
import { selectBackend } from '../../src/models/neural/backend.js';
import { gaussianNll, softmaxCrossEntropy, squaredError, type OutputHead } from '../../src/models/neural/heads.js';
import { MlpNetwork } from '../../src/models/neural/mlp-network.js';
import { TabmNetwork } from '../../src/models/neural/tabm-network.js';
import type { TrainableNetwork } from '../../src/models/neural/trainable.js';

const ROWS = 6;
const INPUTS = 5;

function checkGradients(network: TrainableNetwork, head: OutputHead, label: string): void {
  const rng = new Rng(3);
  const initial = network.initialParameters(rng);
  // Non-trivial adapters and biases (initialization sets many of them to 1 or 0).
  for (let i = 0; i < initial.length; i++) initial[i] = initial[i]! + rng.uniform(-0.3, 0.3);
  const { layout } = network;
  tf.tidy(() => {
    const blocks = layout.blocks.map((b, i) => tf.tensor(initial.subarray(layout.offsets[i]!, layout.offsets[i]! + layout.sizes[i]!), b.shape as number[]));
    const x = tf.tensor2d(Float32Array.from({ length: ROWS * INPUTS }, () => rng.normal()), [ROWS, INPUTS]);
    const labels = Int32Array.from({ length: ROWS }, (_, i) => i % head.width);
    const values = Float32Array.from({ length: ROWS * head.targetWidth }, () => rng.normal());
    const target0 = tf.tensor2d(head.targets({ n: ROWS, labels, targets: values }), [ROWS, head.targetWidth]);
    const target = network.members === 1 ? target0 : tf.tile(target0, [network.members, 1]);
    const weights = tf.tensor2d(Float32Array.from({ length: ROWS * network.members }, (_, i) => 0.5 + (i % 3) / 2), [ROWS * network.members, 1]);
    const ctx = { step: 7, seed: 11 };
    const loss = (...params: tf.Tensor[]) => tf.sum(tf.mul(tf.reshape(head.rowLoss(network.trainForward(params, x, ctx).out, target), [-1, 1]), weights)) as tf.Scalar;
    const expected = tf.grads(loss)(blocks);
    const pass = network.trainForward(blocks, x, ctx);
    const actual = pass.backward(tf.mul(head.rowGradient(pass.out, target), weights) as tf.Tensor2D);
    assert.equal(actual.length, expected.length, label);
    // Round-off is judged against the largest gradient of the network (a batch-norm layer's bias gradient is 0 up to it).
    const largest = Math.max(...expected.map((e) => tf.max(tf.abs(e)).dataSync()[0]!));
    actual.forEach((g, i) => {
      const name = `${label} ${layout.blocks[i]!.name}`;
      assert.deepEqual(g.shape, expected[i]!.shape, name);
      const a = g.dataSync();
      const e = expected[i]!.dataSync();
      const blockLargest = Math.max(...Array.from(e, Math.abs));
      for (let j = 0; j < e.length; j++) {
        if (Math.abs(a[j]! - e[j]!) > 2e-4 * blockLargest + 1e-6 * largest) assert.fail(`${name}[${j}]: ${a[j]} vs autodiff ${e[j]}`);
      }
    });
  });
  network.dispose();
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: MLP backward equals autodiff (relu + dropout, tanh + batch norm, elu, regression head)`, async () => {
    await selectBackend(backend);
    const before = tf.memory().numTensors;
    const base = { inputWidth: INPUTS, outputWidth: 3, output: 'softmax' as const };
    checkGradients(new MlpNetwork({ ...base, hidden: [7, 4], activation: 'relu', batchNorm: false }, 0.3), softmaxCrossEntropy(3), 'relu dropout');
    checkGradients(new MlpNetwork({ ...base, hidden: [6], activation: 'tanh', batchNorm: true }, 0), softmaxCrossEntropy(3), 'tanh bn');
    checkGradients(new MlpNetwork({ ...base, hidden: [4, 4], activation: 'elu', batchNorm: false }, 0.2), softmaxCrossEntropy(3), 'elu');
    const regression = { inputWidth: INPUTS, outputWidth: 1, output: 'identity' as const, hidden: [5], activation: 'relu' as const, batchNorm: true };
    checkGradients(new MlpNetwork(regression, 0.1), squaredError(1), 'regression');
    checkGradients(new MlpNetwork({ ...regression, outputWidth: 2, output: 'gaussian' }, 0.1), gaussianNll(), 'gaussian head');
    assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  });

  test(`${backend}: TabM backward equals autodiff (all adapters and first only, k = 4, dropout, both heads)`, async () => {
    await selectBackend(backend);
    const before = tf.memory().numTensors;
    const base = { inputWidth: INPUTS, members: 4, output: 'softmax' as const, outputWidth: 3 };
    checkGradients(new TabmNetwork({ ...base, hidden: [6, 5], activation: 'relu', adapters: 'all' }, 0.25), softmaxCrossEntropy(3), 'tabm all relu');
    checkGradients(new TabmNetwork({ ...base, hidden: [6, 5], activation: 'tanh', adapters: 'first' }, 0), softmaxCrossEntropy(3), 'tabm first tanh');
    const regression = { ...base, output: 'identity' as const, outputWidth: 1, hidden: [4], activation: 'elu' as const, adapters: 'all' as const };
    checkGradients(new TabmNetwork(regression, 0.1), squaredError(1), 'tabm regression');
    assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  });
}

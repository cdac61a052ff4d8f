import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './dist/src/models/neural/backend.js';
import { trainMlp } from './dist/src/models/neural/train.js';
import { Rng } from './dist/src/util/random.js';
const n = 4096, d = 20, k = 2;
const rng = new Rng(1);
const X = new Float32Array(n * d).map(() => rng.normal());
const labels = new Int32Array(n).map((_, i) => (X[i * d] + X[i * d + 1] > 0 ? 1 : 0));
for (const b of [process.argv[2] ?? 'wasm']) {
  const rep = await selectBackend(b);
  for (const [bs, width, dropout] of [[128, 128, 0.1], [128, 128, 0], [512, 128, 0.1], [128, 32, 0]]) {
    const t = performance.now();
    const res = await trainMlp({ X, n, labels }, null, { topology: { inputWidth: d, hidden: [width, width], outputWidth: k, activation: 'relu', batchNorm: false, output: 'softmax' },
      dropout, learningRate: 1e-3, schedule: 'constant', batchSize: bs, maxEpochs: 3, patience: 5, l2: 1e-5, seed: 1, signal: new AbortController().signal, deadline: Infinity });
    const s = (performance.now() - t) / 1000;
    console.log(rep.name, bs, width, dropout, 'samples/s', Math.round(3 * n / s), 'ms/step', (s * 1000 / (3 * n / bs)).toFixed(1), tf.memory().numTensors);
  }
}

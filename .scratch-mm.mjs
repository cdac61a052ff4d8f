import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend(process.argv[2] ?? 'wasm');
for (const s of [128, 512]) {
  const a = tf.randomNormal([s, s]), b = tf.randomNormal([s, s]);
  for (let w = 0; w < 3; w++) tf.tidy(() => a.matMul(b).dataSync());
  const t = performance.now(); const R = 20;
  for (let r = 0; r < R; r++) tf.tidy(() => a.matMul(b).dataSync());
  const ms = (performance.now() - t) / R;
  console.log(tf.getBackend(), s, ms.toFixed(2), 'ms', (2 * s ** 3 / ms / 1e6).toFixed(2), 'GFLOP/s');
}
const x = tf.randomNormal([128, 128]);
let t = performance.now();
for (let r = 0; r < 200; r++) tf.tidy(() => tf.relu(tf.add(x, 1)));
console.log('small op us', ((performance.now() - t) / 400 * 1000).toFixed(1));

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend(process.argv[2] ?? 'wasm'); await tf.ready();
for (const s of [128, 256, 512]) {
  const a = tf.randomNormal([s, s]), b = tf.randomNormal([s, s]);
  for (let w = 0; w < 3; w++) tf.tidy(() => a.matMul(b).dataSync());
  const c0 = process.cpuUsage(); const t = performance.now(); const R = 10;
  for (let r = 0; r < R; r++) tf.tidy(() => a.matMul(b).dataSync());
  const cpu = process.cpuUsage(c0); const ms = (performance.now() - t) / R; const cms = (cpu.user + cpu.system) / 1000 / R;
  console.log(tf.getBackend(), s, 'wall', ms.toFixed(2), 'cpu', cms.toFixed(2), 'ms', (2 * s ** 3 / cms / 1e6).toFixed(2), 'GFLOP/s per cpu');
}

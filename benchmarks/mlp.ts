/**
 * Benchmark: the MLP training step on wasm against TensorFlow.js's own `model.fit` loop (what neural members
 * trained with before the hand-written step, and what the figures were measured with) and
 * scikit-learn's MLPClassifier (one BLAS thread, as our trainer has one thread), in the same run.
 *
 * Workload (the issue's): a synthetic binary problem of 100,000 rows x 100 features, 3 hidden layers of 256
 * ReLU units, softmax output, Adam (lr 1e-3), batch 512, no dropout or weight decay; each trainer gets one
 * untimed warm-up pass on 4,096 rows, then `--epochs` timed epochs over all rows. All three train on the same
 * rows. Reported: samples per wall second and per CPU second (less disturbed by a busy machine).
 *
 * `--profile` also runs `tf.profile` over a few steps of each TensorFlow.js trainer and prints the kernels that
 * take the time (the measurement that found the slow transposed products, see src/models/neural/ops.ts).
 *
 * Run: npm run bench:mlp [-- --rows N --epochs E --profile]. About 1-2 minutes at the defaults on a quiet
 * 2-core machine. Writes results/mlp.json with `wasm_samples_per_second_3x256` and `wasm_speedup_vs_fit_loop`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/models/neural/backend.js';
import type { MlpTopology } from '../src/models/neural/network.js';
import { trainMlp } from '../src/models/neural/train.js';
import { argument } from './args.js';
import { syntheticProblem } from './mlp-backends.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = '/usr/bin/python3';
const FEATURES = 100;
const HIDDEN = [256, 256, 256];
const BATCH = 512;
const WARMUP_ROWS = 4096;

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly samplesPerSecond: number;
  readonly samplesPerCpuSecond: number;
}

function timing(samples: number, seconds: number, cpuSeconds: number): Timing {
  return { seconds, cpuSeconds, samplesPerSecond: samples / seconds, samplesPerCpuSecond: samples / cpuSeconds };
}

async function timed(samples: number, run: () => Promise<unknown>): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await run();
  const cpu = process.cpuUsage(cpu0);
  return timing(samples, (performance.now() - start) / 1000, (cpu.user + cpu.system) / 1e6);
}

type Data = { X: Float32Array; labels: Int32Array; n: number };

/** The hand-written step (src/models/neural/train.ts) as the mlp family runs it. */
function newStep(data: Data, epochs: number): Promise<unknown> {
  const topology: MlpTopology = { inputWidth: FEATURES, hidden: HIDDEN, outputWidth: 2, activation: 'relu', batchNorm: false, output: 'softmax' };
  return trainMlp({ X: data.X, n: data.n, labels: data.labels }, null, {
    topology,
    dropout: 0,
    learningRate: 1e-3,
    schedule: 'constant',
    batchSize: BATCH,
    maxEpochs: epochs,
    patience: epochs,
    l2: 0,
    seed: 1,
    signal: new AbortController().signal,
    deadline: Infinity,
  });
}

/** The same network as a tf.layers model trained with `model.fit`. */
async function fitLoop(data: Data, epochs: number): Promise<void> {
  const layers = [
    ...HIDDEN.map((units, i) => tf.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [FEATURES] } : {}) })),
    tf.layers.dense({ units: 2, activation: 'softmax' }),
  ];
  const model = tf.sequential({ layers });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor2d(data.X, [data.n, FEATURES]);
  const ys = tf.tensor1d(data.labels, 'float32');
  try {
    await model.fit(xs, ys, { batchSize: BATCH, epochs, shuffle: true, verbose: 0 });
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

function head(data: Data, rows: number): Data {
  return { X: data.X.subarray(0, rows * FEATURES), labels: data.labels.subarray(0, rows), n: rows };
}

/** scikit-learn MLPClassifier on the very same rows (written to a temporary file), one BLAS thread. */
function sklearnPeer(data: Data, epochs: number): Timing | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-mlp-'));
  try {
    writeFileSync(join(dir, 'X.f32'), data.X);
    writeFileSync(join(dir, 'y.i32'), data.labels);
    const script = `
import time, warnings, numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter('ignore', ConvergenceWarning)
X = np.fromfile(${JSON.stringify(join(dir, 'X.f32'))}, dtype=np.float32).reshape(${data.n}, ${FEATURES})
y = np.fromfile(${JSON.stringify(join(dir, 'y.i32'))}, dtype=np.int32)
def fit(rows, epochs):
    MLPClassifier(hidden_layer_sizes=${JSON.stringify(HIDDEN).replace('[', '(').replace(']', ')')}, batch_size=${BATCH}, max_iter=epochs,
                  alpha=0.0, learning_rate_init=1e-3, tol=0.0, n_iter_no_change=10**6, shuffle=True,
                  random_state=1).fit(X[:rows], y[:rows])
fit(${WARMUP_ROWS}, 1)
t, c = time.perf_counter(), time.process_time()
fit(${data.n}, ${epochs})
print(time.perf_counter() - t, time.process_time() - c)
`;
    const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const out = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', env });
    if (out.status !== 0) return `scikit-learn peer failed: ${(out.stderr || '').trim().split('\n').pop()}`;
    const [wall, cpu] = out.stdout.trim().split(/\s+/).map(Number);
    return timing(data.n * epochs, wall!, cpu!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface KernelTime {
  readonly kernel: string;
  readonly ms: number;
  readonly calls: number;
}

/** Kernel times of a few training steps, largest first (nested kernels of a composite op are listed too). */
async function profile(run: () => Promise<unknown>): Promise<KernelTime[]> {
  const info = await tf.profile(async () => {
    await run();
  });
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.calls++;
    byName.set(k.name, entry);
  }
  return [...byName].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
}

function printProfile(title: string, kernels: readonly KernelTime[], steps: number): void {
  console.log(`\n${title}: kernel time per step (tf.profile over ${steps} steps)`);
  console.log('| kernel | ms / step | calls / step |');
  console.log('|---|---|---|');
  for (const k of kernels.slice(0, 8)) console.log(`| ${k.kernel} | ${(k.ms / steps).toFixed(2)} | ${(k.calls / steps).toFixed(0)} |`);
}

async function main(): Promise<void> {
  const rows = Number(argument('rows', '100000'));
  const epochs = Number(argument('epochs', '1'));
  const withProfile = process.argv.includes('--profile');
  const loadStart = loadavg();
  const report = await selectBackend('wasm');
  if (report.name !== 'wasm') throw new Error(`wasm backend unavailable: ${report.reason}`);
  const { X, labels } = syntheticProblem(rows, FEATURES, 1);
  const data: Data = { X, labels, n: rows };
  const samples = rows * epochs;

  console.log(`MLP 3 x 256 ReLU, batch ${BATCH}, ${rows} rows x ${FEATURES} features, ${epochs} timed epoch(s), wasm, load ${loadStart[0]!.toFixed(2)}`);
  await newStep(head(data, WARMUP_ROWS), 1);
  const step = await timed(samples, () => newStep(data, epochs));
  console.log(`hand-written step: ${step.samplesPerSecond.toFixed(0)} samples/s`);
  await fitLoop(head(data, WARMUP_ROWS), 1);
  const fit = await timed(samples, () => fitLoop(data, epochs));
  console.log(`model.fit loop:    ${fit.samplesPerSecond.toFixed(0)} samples/s`);
  const peer = sklearnPeer(data, epochs);
  if (typeof peer === 'string') console.log(`scikit-learn peer skipped: ${peer}`);

  let profiles: { new_step: KernelTime[]; fit_loop: KernelTime[]; steps: number } | undefined;
  if (withProfile) {
    const steps = 8;
    const small = head(data, steps * BATCH);
    profiles = { new_step: await profile(() => newStep(small, 1)), fit_loop: await profile(() => fitLoop(small, 1)), steps };
  }
  const loadEnd = loadavg();

  console.log('\n| trainer (wasm, one thread) | samples / s | samples / CPU s | vs model.fit |');
  console.log('|---|---|---|---|');
  const row = (name: string, t: Timing) =>
    console.log(`| ${name} | ${t.samplesPerSecond.toFixed(0)} | ${t.samplesPerCpuSecond.toFixed(0)} | ${(t.samplesPerSecond / fit.samplesPerSecond).toFixed(2)}x |`);
  row('hand-written step (src/models/neural/train.ts)', step);
  row('tf.layers model.fit', fit);
  if (typeof peer !== 'string') row('scikit-learn MLPClassifier (1 BLAS thread)', peer);
  if (profiles !== undefined) {
    printProfile('hand-written step', profiles.new_step, profiles.steps);
    printProfile('model.fit', profiles.fit_loop, profiles.steps);
  }

  const summary = {
    benchmark: 'mlp',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    load_average: { start: loadStart, end: loadEnd },
    workload: { rows, features: FEATURES, hidden: HIDDEN, batch_size: BATCH, epochs, optimizer: 'adam 1e-3', dropout: 0, backend: 'wasm' },
    wasm_samples_per_second_3x256: step.samplesPerSecond,
    wasm_speedup_vs_fit_loop: step.samplesPerSecond / fit.samplesPerSecond,
    fit_loop_samples_per_second: fit.samplesPerSecond,
    sklearn_samples_per_second: typeof peer === 'string' ? null : peer.samplesPerSecond,
    ...(typeof peer === 'string' ? { sklearn_note: peer } : {}),
    timings: { new_step: step, fit_loop: fit, sklearn: typeof peer === 'string' ? null : peer },
    ...(profiles === undefined ? {} : { profile_per_8_steps: { new_step: profiles.new_step.slice(0, 12), fit_loop: profiles.fit_loop.slice(0, 12) } }),
  };
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/mlp.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log('\nwrote results/mlp.json');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

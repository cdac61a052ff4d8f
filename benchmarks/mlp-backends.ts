/**
 * Benchmark: MLP training throughput (samples / second) on each TensorFlow.js backend installed here, with the
 * plain-JS `cpu` backend as the in-run baseline and scikit-learn's MLPClassifier (one thread) as the peer.
 *
 * Workload: a synthetic binary problem (default 20,000 rows x 20 features), 2 hidden layers of 128 ReLU units,
 * dropout 0.1, Adam, batch 128; one warm-up epoch, then `--epochs` timed epochs without a validation part.
 * The network is the production training loop (src/models/neural/train.ts), one thread per process.
 *
 * Run: node dist/benchmarks/mlp-backends.js [--rows N] [--epochs E]. Prints a table; writes
 * results/mlp-backends.json with `mlp_train_samples_per_second` for the backend 'auto' selects.
 * `mlpTrainingThroughput()` is exported for other benchmarks (e.g. benchmarks/members.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName, type BackendReport } from '../src/models/neural/backend.js';
import type { MlpTopology } from '../src/models/neural/network.js';
import { trainMlp } from '../src/models/neural/train.js';
import { Rng } from '../src/util/random.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = '/usr/bin/python3';

export interface ThroughputOptions {
  readonly rows?: number;
  readonly features?: number;
  readonly hidden?: readonly number[];
  readonly batchSize?: number;
  readonly epochs?: number;
  readonly seed?: number;
}

export interface ThroughputResult {
  readonly backend: BackendName;
  readonly reason: string;
  readonly rows: number;
  readonly epochs: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
}

/** A synthetic binary problem: label = sign of a fixed random linear function plus a product term. */
export function syntheticProblem(rows: number, features: number, seed: number): { X: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const w = Float64Array.from({ length: features }, () => rng.normal());
  const X = new Float32Array(rows * features);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = 0;
    for (let j = 0; j < features; j++) {
      const v = rng.normal();
      X[i * features + j] = v;
      z += w[j]! * v;
    }
    labels[i] = z + X[i * features]! * X[i * features + 1]! > 0 ? 1 : 0;
  }
  return { X, labels };
}

/**
 * Train the benchmark MLP on `backend` ('auto' = the production choice) and return samples / second over the
 * timed epochs (one untimed warm-up epoch first). Switches the process's tf backend: call it from benchmarks,
 * not from a process that is also training members.
 */
export async function mlpTrainingThroughput(backend: BackendName | 'auto', options: ThroughputOptions = {}): Promise<ThroughputResult> {
  const rows = options.rows ?? 20_000;
  const features = options.features ?? 20;
  const epochs = options.epochs ?? 2;
  const report: BackendReport = await selectBackend(backend);
  const { X, labels } = syntheticProblem(rows, features, options.seed ?? 1);
  const topology: MlpTopology = {
    inputWidth: features,
    hidden: options.hidden ?? [128, 128],
    outputWidth: 2,
    activation: 'relu',
    batchNorm: false,
    output: 'softmax',
  };
  const run = (maxEpochs: number) =>
    trainMlp({ X, n: rows, labels }, null, {
      topology,
      dropout: 0.1,
      learningRate: 1e-3,
      schedule: 'constant',
      batchSize: options.batchSize ?? 128,
      maxEpochs,
      patience: maxEpochs,
      l2: 0,
      seed: options.seed ?? 1,
      signal: new AbortController().signal,
      deadline: Infinity,
    });
  await run(1);
  const start = performance.now();
  await run(epochs);
  const seconds = (performance.now() - start) / 1000;
  return { backend: report.name, reason: report.reason, rows, epochs, seconds, samplesPerSecond: (rows * epochs) / seconds };
}

interface PeerResult {
  readonly seconds: number;
  readonly samplesPerSecond: number;
}

/** scikit-learn MLPClassifier on the same shapes (its own synthetic data of the same kind), one BLAS thread. */
function sklearnPeer(rows: number, features: number, epochs: number): PeerResult | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const script = `
import time, warnings, numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter('ignore', ConvergenceWarning)
rng = np.random.default_rng(1)
X = rng.standard_normal((${rows}, ${features})).astype(np.float32)
y = (X @ rng.standard_normal(${features}) + X[:, 0] * X[:, 1] > 0).astype(int)
def fit(epochs):
    MLPClassifier(hidden_layer_sizes=(128, 128), batch_size=128, max_iter=epochs, alpha=0.0, tol=0.0,
                  n_iter_no_change=10**6, shuffle=True, random_state=1).fit(X, y)
fit(1)
t = time.perf_counter(); fit(${epochs}); print(time.perf_counter() - t)
`;
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const out = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', env });
  if (out.status !== 0) return `scikit-learn peer failed: ${(out.stderr || '').trim().split('\n').pop()}`;
  const seconds = Number(out.stdout.trim());
  return { seconds, samplesPerSecond: (rows * epochs) / seconds };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, epochs: { type: 'string' } } });
  const rows = Number(values.rows ?? 20_000);
  const epochs = Number(values.epochs ?? 2);
  const results: ThroughputResult[] = [];
  for (const backend of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const) {
    const report = await selectBackend(backend);
    if (report.name !== backend) {
      console.log(`${backend}: not available (${report.tried[0]?.error ?? 'unknown'})`);
      continue;
    }
    const r = await mlpTrainingThroughput(backend, { rows, epochs });
    console.log(`${backend}: ${r.samplesPerSecond.toFixed(0)} samples/s (${r.seconds.toFixed(2)} s for ${epochs} epochs)`);
    results.push(r);
  }
  const chosen = await selectBackend('auto');
  const chosenResult = results.find((r) => r.backend === chosen.name);
  const cpu = results.find((r) => r.backend === 'cpu');
  const peer = sklearnPeer(rows, 20, epochs);
  if (typeof peer === 'string') console.log(`scikit-learn peer skipped: ${peer}`);

  console.log(`\nMLP 2 x 128 ReLU, batch 128, ${rows} rows x 20 features, ${epochs} timed epochs, ${cpus().length} cpus`);
  console.log('| trainer | samples / s | seconds | vs cpu backend |');
  console.log('|---|---|---|---|');
  for (const r of results) {
    const ratio = cpu ? (r.samplesPerSecond / cpu.samplesPerSecond).toFixed(2) : '-';
    console.log(`| tfjs ${r.backend}${r.backend === chosen.name ? ' (auto)' : ''} | ${r.samplesPerSecond.toFixed(0)} | ${r.seconds.toFixed(2)} | ${ratio}x |`);
  }
  if (typeof peer !== 'string') {
    const ratio = cpu ? (peer.samplesPerSecond / cpu.samplesPerSecond).toFixed(2) : '-';
    console.log(`| scikit-learn MLPClassifier (1 thread) | ${peer.samplesPerSecond.toFixed(0)} | ${peer.seconds.toFixed(2)} | ${ratio}x |`);
  }

  const summary = {
    benchmark: 'mlp-backends',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    workload: { rows, features: 20, hidden: [128, 128], batch_size: 128, epochs },
    chosen_backend: chosen.name,
    chosen_reason: chosen.reason,
    mlp_train_samples_per_second: chosenResult?.samplesPerSecond ?? null,
    wasm_vs_cpu_speedup:
      results.find((r) => r.backend === 'wasm') && cpu ? results.find((r) => r.backend === 'wasm')!.samplesPerSecond / cpu.samplesPerSecond : null,
    sklearn_samples_per_second: typeof peer === 'string' ? null : peer.samplesPerSecond,
    sklearn_note: typeof peer === 'string' ? peer : undefined,
    backends: results,
  };
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/mlp-backends.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log('\nwrote results/mlp-backends.json');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/**
 * GPU check: on a machine with a GPU, prove that neural members train on WebGPU and agree with wasm.
 * Run through scripts/gpu-check.sh (which sets up the Vulkan loader and driver ICD) or directly:
 *   node dist/benchmarks/gpu-check.js [--rows N]
 *
 * 1. The member-family conformance suite for the neural families (mlp, tabm) with AUTO_ENSEMBLE_BACKEND=webgpu
 *    (the suite then also checks that every member reports webgpu as the backend that ran).
 * 2. One training step on identical parameters and rows, on webgpu and on wasm: every gradient block must agree
 *    within GRADIENT_TOLERANCE of the block's largest gradient (float32 kernels summing in another order).
 * 3. The conformance cases fitted on both backends: trained networks follow different float32 round-off, so
 *    agreement is judged on predictions: mean |p_webgpu - p_wasm| <= PROBABILITY_TOLERANCE for class
 *    probabilities; for regression, RMSEs within REGRESSION_TOLERANCE of each other.
 * 4. Throughput on webgpu: the bench:mlp workload (3 x 256 ReLU, batch 512, 100,000 x 100), also at batch 2048.
 * Writes results/gpu.json (adapter, checks, `webgpu_samples_per_second_3x256`); exits 1 when a check fails.
 * Backends are per process, so each backend runs in a child process of this script (`--child NAME`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { ensureBackend, type BackendReport } from '../src/models/neural/backend.js';
import { softmaxCrossEntropy } from '../src/models/neural/heads.js';
import { MlpNetwork } from '../src/models/neural/mlp-network.js';
import type { MlpTopology } from '../src/models/neural/network.js';
import { trainMlp } from '../src/models/neural/train.js';
import { getFamily } from '../src/models/registry.js';
import { Rng } from '../src/util/random.js';
import { CASES, SMALL } from '../test/models/conformance-cases.js';
import { argument } from './args.js';
import { syntheticProblem } from './mlp-backends.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = fileURLToPath(import.meta.url);
const NEURAL = ['mlp', 'tabm'] as const;
const GRADIENT_TOLERANCE = 1e-3;
const PROBABILITY_TOLERANCE = 0.05;
const REGRESSION_TOLERANCE = 0.15;

interface ChildReport {
  readonly backend: BackendReport;
  readonly gradients: number[][];
  readonly predictions: Record<string, { values: number[]; backend: string | undefined }>;
  readonly throughput?: { batch512: number; batch2048: number; rows: number };
}

// ---- child: one backend ----

/** Gradients of one MLP step (3 x 256) on fixed parameters and rows, per block (read asynchronously: webgpu has no sync read in Node). */
async function stepGradients(): Promise<number[][]> {
  const topology: MlpTopology = { inputWidth: 100, hidden: [256, 256, 256], outputWidth: 2, activation: 'relu', batchNorm: false, output: 'softmax' };
  const network = new MlpNetwork(topology, 0);
  const head = softmaxCrossEntropy(2);
  const params = network.initialParameters(new Rng(1));
  const { X, labels } = syntheticProblem(512, 100, 2);
  const gradients = tf.tidy(() => {
    const { layout } = network;
    const blocks = layout.blocks.map((b, i) => tf.tensor(params.subarray(layout.offsets[i]!, layout.offsets[i]! + layout.sizes[i]!), b.shape as number[]));
    const target = tf.tensor2d(head.targets({ n: 512, labels }), [512, 2]);
    const pass = network.trainForward(blocks, tf.tensor2d(X, [512, 100]), { step: 0, seed: 1 });
    return pass.backward(tf.div(head.rowGradient(pass.out, target), 512) as tf.Tensor2D);
  });
  network.dispose();
  const values = await Promise.all(gradients.map(async (g) => Array.from(await g.data())));
  tf.dispose(gradients);
  return values;
}

async function throughput(rows: number, batchSize: number): Promise<number> {
  const { X, labels } = syntheticProblem(rows, 100, 1);
  const topology: MlpTopology = { inputWidth: 100, hidden: [256, 256, 256], outputWidth: 2, activation: 'relu', batchNorm: false, output: 'softmax' };
  const run = (n: number) =>
    trainMlp({ X: X.subarray(0, n * 100), n, labels: labels.subarray(0, n) }, null, {
      topology,
      dropout: 0,
      learningRate: 1e-3,
      schedule: 'constant',
      batchSize,
      maxEpochs: 1,
      patience: 1,
      l2: 0,
      seed: 1,
      signal: new AbortController().signal,
      deadline: Infinity,
    });
  await run(Math.min(rows, 8 * batchSize));
  const start = performance.now();
  await run(rows);
  return rows / ((performance.now() - start) / 1000);
}

async function child(backend: string, rows: number): Promise<void> {
  const report = await ensureBackend(backend);
  const predictions: ChildReport['predictions'] = {};
  for (const name of NEURAL) {
    const family = getFamily(name);
    for (const c of CASES) {
      const member = await family.fit(c.train, { ...family.defaults, ...SMALL[name] }, { seed: 42, signal: new AbortController().signal, deadline: Infinity, backend });
      predictions[`${name}/${c.file}`] = { values: Array.from(member.predict(c.test)), backend: member.backend };
    }
  }
  const out: ChildReport = {
    backend: report,
    gradients: await stepGradients(),
    predictions,
    ...(report.name === 'webgpu' ? { throughput: { batch512: await throughput(rows, 512), batch2048: await throughput(rows, 2048), rows } } : {}),
  };
  process.stdout.write(`\n@@REPORT@@${JSON.stringify(out)}\n`);
}

// ---- parent ----

function runChild(backend: string, rows: number): ChildReport {
  const out = spawnSync(process.execPath, [SELF, '--child', backend, '--rows', String(rows)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const marker = out.stdout.lastIndexOf('@@REPORT@@');
  if (out.status !== 0 || marker < 0) throw new Error(`${backend} child failed (exit ${out.status}): ${out.stderr.slice(-2000)}`);
  return JSON.parse(out.stdout.slice(marker + '@@REPORT@@'.length)) as ChildReport;
}

function compareGradients(gpu: number[][], wasm: number[][]): { worst: number; ok: boolean } {
  let worst = 0;
  gpu.forEach((g, i) => {
    const w = wasm[i]!;
    const largest = Math.max(1e-12, ...w.map(Math.abs));
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(g[j]! - w[j]!) / largest);
  });
  return { worst, ok: worst <= GRADIENT_TOLERANCE };
}

function comparePredictions(key: string, gpu: number[], wasm: number[]): { key: string; measure: string; value: number; ok: boolean } {
  const c = CASES.find((x) => key.endsWith(`/${x.file}`))!;
  if (c.test.target.kind === 'values') {
    const y = c.test.target.values;
    const rmse = (p: number[]) => Math.sqrt(p.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / y.length);
    const value = Math.abs(rmse(gpu) - rmse(wasm)) / rmse(wasm);
    return { key, measure: 'relative RMSE difference', value, ok: value <= REGRESSION_TOLERANCE };
  }
  const value = gpu.reduce((s, v, i) => s + Math.abs(v - wasm[i]!), 0) / c.test.nRows;
  return { key, measure: 'mean |p_webgpu - p_wasm| per row', value, ok: value <= PROBABILITY_TOLERANCE };
}

async function parent(rows: number): Promise<void> {
  const loadStart = loadavg();
  console.log('1. conformance suite (mlp, tabm) on webgpu');
  const suite = spawnSync(process.execPath, ['--test', '--test-name-pattern', 'family (mlp|tabm)', join(ROOT, 'dist/test/models/family-conformance.test.js')], {
    encoding: 'utf8',
    env: { ...process.env, AUTO_ENSEMBLE_BACKEND: 'webgpu' },
  });
  const suiteOk = suite.status === 0;
  console.log(suiteOk ? '   passed' : `   FAILED:\n${suite.stdout.slice(-3000)}`);
  console.log('2-4. webgpu and wasm children');
  const gpu = runChild('webgpu', rows);
  const wasm = runChild('wasm', rows);
  const onGpu = gpu.backend.name === 'webgpu';
  console.log(`   webgpu child ran on ${gpu.backend.name}: ${gpu.backend.reason}`);
  const gradients = compareGradients(gpu.gradients, wasm.gradients);
  console.log(`   gradients: worst difference ${gradients.worst.toExponential(2)} of the block's largest (tolerance ${GRADIENT_TOLERANCE})`);
  const predictions = Object.keys(wasm.predictions).map((key) => comparePredictions(key, gpu.predictions[key]!.values, wasm.predictions[key]!.values));
  for (const p of predictions) console.log(`   ${p.ok ? 'ok  ' : 'FAIL'} ${p.key}: ${p.measure} ${p.value.toFixed(4)}`);
  const membersOnGpu = Object.values(gpu.predictions).every((p) => p.backend === 'webgpu');
  const ok = suiteOk && onGpu && membersOnGpu && gradients.ok && predictions.every((p) => p.ok);
  if (gpu.throughput !== undefined) {
    console.log(`   webgpu 3 x 256: ${gpu.throughput.batch512.toFixed(0)} samples/s at batch 512, ${gpu.throughput.batch2048.toFixed(0)} at 2048`);
  }
  const summary = {
    benchmark: 'gpu-check',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    load_average: { start: loadStart, end: loadavg() },
    adapter: gpu.backend.device ?? null,
    webgpu_backend: gpu.backend,
    passed: ok,
    checks: {
      conformance_suite_on_webgpu: suiteOk,
      members_report_webgpu: membersOnGpu,
      gradient_worst_relative_difference: gradients.worst,
      gradient_tolerance: GRADIENT_TOLERANCE,
      predictions,
      probability_tolerance: PROBABILITY_TOLERANCE,
      regression_tolerance: REGRESSION_TOLERANCE,
    },
    webgpu_samples_per_second_3x256: onGpu ? (gpu.throughput?.batch512 ?? null) : null,
    webgpu_samples_per_second_3x256_batch2048: onGpu ? (gpu.throughput?.batch2048 ?? null) : null,
    throughput_rows: rows,
  };
  if (!onGpu) {
    // Never a GPU figure without a GPU: nothing is recorded.
    console.log(`\nFAILED: no WebGPU adapter was used (${gpu.backend.reason}); results/gpu.json not written`);
    process.exitCode = 1;
    return;
  }
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/gpu.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\n${ok ? 'PASSED' : 'FAILED'}; wrote results/gpu.json`);
  if (!ok) process.exitCode = 1;
}

const rows = Number(argument('rows', '100000'));
const childBackend = process.argv.includes('--child') ? argument('child', '') : null;
(childBackend === null ? parent(rows) : child(childBackend, rows)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Benchmark: metric speed and agreement against scikit-learn, and the dense encoder against a scikit-learn
 * ColumnTransformer (median imputation + indicators + standardization; most-frequent imputation + one-hot).
 *
 * Run: node dist/benchmarks/metrics.js [--repeats R]. Prints a table and writes results/metrics.json.
 * The scikit-learn peer (/usr/bin/python3, benchmarks/peers/metrics_peer.py) is skipped with a message when absent.
 * Timings are medians of R runs in one process each side (numpy's vectorised code vs our typed-array loops).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FeatureTable, Task } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { getMetric, metricsForTask, type MetricName } from '../src/metrics/index.js';
import { fitDenseEncoder } from '../src/preprocess/dense-encoder.js';
import { Rng } from '../src/util/random.js';

const PYTHON = '/usr/bin/python3';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PEER = join(ROOT, 'benchmarks/peers/metrics_peer.py');

interface Case {
  id: string;
  task: Task;
  n: number;
  k: number;
  y: Float64Array;
  pred: Float64Array;
  metrics: MetricName[];
}

/** Synthetic predictions of a realistic quality: the true class gets a boost; binary scores are rounded (ties). */
function classificationCase(id: string, task: Task, n: number, k: number, seed: number): Case {
  const rng = new Rng(seed);
  const y = new Float64Array(n);
  const pred = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const c = rng.int(k);
    y[i] = c;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = Math.exp(rng.normal() + (j === c ? 1.5 : 0));
      pred[i * k + j] = v;
      sum += v;
    }
    for (let j = 0; j < k; j++) pred[i * k + j]! /= sum;
    if (k === 2) {
      pred[i * 2 + 1] = Math.round(pred[i * 2 + 1]! * 100) / 100;
      pred[i * 2] = 1 - pred[i * 2 + 1]!;
    }
  }
  return { id, task, n, k, y, pred, metrics: metricsForTask(task).map((m) => m.name) };
}

function regressionCase(id: string, n: number, seed: number): Case {
  const rng = new Rng(seed);
  const y = new Float64Array(n);
  const pred = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = 10 * rng.normal();
    pred[i] = y[i]! + 3 * rng.normal();
  }
  return { id, task: 'regression', n, k: 1, y, pred, metrics: metricsForTask('regression').map((m) => m.name) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timed<T>(fn: () => T, repeats: number): { value: T; seconds: number } {
  let value = fn(); // warm-up (JIT)
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    value = fn();
    times.push((performance.now() - t) / 1000);
  }
  return { value, seconds: median(times) };
}

/** diamonds with 5 % of numeric and categorical cells blanked (seeded), so imputation has work to do. */
function encoderTable(): FeatureTable {
  const dataset = loadDatasetFile(join(ROOT, '../shared/datasets/diamonds.arff'));
  const rng = new Rng(99);
  const features = dataset.features.map((f) =>
    f.kind === 'numeric'
      ? { ...f, values: f.values.map((v) => (rng.next() < 0.05 ? NaN : v)) }
      : { ...f, codes: f.codes.map((c) => (rng.next() < 0.05 ? -1 : c)) },
  );
  return { nRows: dataset.nRows, features };
}

function writeF64(path: string, values: Float64Array): void {
  writeFileSync(path, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

interface PeerResult {
  metrics: Record<string, { value: number; seconds: number }>;
  encoder: { seconds: number; width: number } | null;
}

function runPeer(dir: string, cases: Case[], table: FeatureTable, repeats: number): PeerResult | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'scikit-learn / numpy not importable by /usr/bin/python3';
  for (const c of cases) {
    writeF64(join(dir, `${c.id}_y.f64`), c.y);
    writeF64(join(dir, `${c.id}_pred.f64`), c.pred);
  }
  const numeric = table.features.filter((f) => f.kind === 'numeric');
  const categorical = table.features.filter((f) => f.kind === 'categorical');
  const n = table.nRows;
  const num = new Float64Array(n * numeric.length);
  const cat = new Float64Array(n * categorical.length);
  numeric.forEach((f, j) => f.values.forEach((v, i) => (num[i * numeric.length + j] = v)));
  categorical.forEach((f, j) => f.codes.forEach((c, i) => (cat[i * categorical.length + j] = c < 0 ? NaN : c)));
  writeF64(join(dir, 'enc_num.f64'), num);
  writeF64(join(dir, 'enc_cat.f64'), cat);
  const spec = {
    dir,
    repeats,
    cases: cases.map(({ id, task, n: rows, k, metrics }) => ({ id, task, n: rows, k, metrics })),
    encoder: { n, n_numeric: numeric.length, n_categorical: categorical.length, max_categories: 32 },
  };
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const run = spawnSync(PYTHON, [PEER, join(dir, 'spec.json')], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) return `peer failed: ${run.stderr.trim().split('\n').pop()}`;
  return JSON.parse(run.stdout) as PeerResult;
}

function main(): void {
  const repeatsArg = process.argv.indexOf('--repeats');
  const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 7;
  const cases = [
    classificationCase('binary_100k', 'binary', 100_000, 2, 1),
    classificationCase('multiclass_20k_k10', 'multiclass', 20_000, 10, 2),
    regressionCase('regression_100k', 100_000, 3),
  ];
  const table = encoderTable();
  const dir = mkdtempSync(join(tmpdir(), 'ae-metrics-bench-'));
  let peer: PeerResult | string;
  try {
    peer = runPeer(dir, cases, table, repeats);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (typeof peer === 'string') console.log(`scikit-learn peer skipped: ${peer}`);

  const rows: Record<string, unknown>[] = [];
  for (const c of cases) {
    const y = c.task === 'regression' ? c.y : Int32Array.from(c.y);
    for (const name of c.metrics) {
      const metric = getMetric(name, c.task);
      const ours = timed(() => metric.score(y, c.pred, c.k), repeats);
      const theirs = typeof peer === 'string' ? undefined : peer.metrics[`${c.id}/${name}`];
      rows.push({
        case: c.id,
        metric: name,
        n: c.n,
        k: c.k,
        ours_ms: ours.seconds * 1000,
        sklearn_ms: theirs === undefined ? null : theirs.seconds * 1000,
        speedup: theirs === undefined ? null : theirs.seconds / ours.seconds,
        abs_diff: theirs === undefined ? null : Math.abs(ours.value - theirs.value),
      });
    }
  }
  const encoder = timed(() => fitDenseEncoder(table).transform(table), repeats);
  const peerEncoder = typeof peer === 'string' ? null : peer.encoder;
  rows.push({
    case: `diamonds_${table.nRows}`,
    metric: 'dense encoder fit+transform',
    n: table.nRows,
    k: encoder.value.length / table.nRows,
    ours_ms: encoder.seconds * 1000,
    sklearn_ms: peerEncoder === null ? null : peerEncoder.seconds * 1000,
    speedup: peerEncoder === null ? null : peerEncoder.seconds / encoder.seconds,
    abs_diff: peerEncoder === null ? null : `width ${peerEncoder.width}`,
  });

  const format = (v: unknown): string =>
    v === null ? '-' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v < 1e-3 ? v.toExponential(1) : v.toFixed(2)) : String(v);
  console.table(rows.map((r) => Object.fromEntries(Object.entries(r).map(([key, v]) => [key, format(v)]))));
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  const out = {
    benchmark: 'metrics',
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model },
    repeats,
    peer: typeof peer === 'string' ? { skipped: peer } : 'scikit-learn (/usr/bin/python3)',
    rows,
  };
  writeFileSync(join(ROOT, 'results/metrics.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log('wrote results/metrics.json');
}

main();

/**
 * Benchmark: train time and test score of every member family on a synthetic 100,000 x 20 binary problem and
 * the shared letter, spambase, satimage and diamonds datasets (seeded 75/25 holdout, stratified for
 * classification), with XGBoost `hist` (n_jobs=1, 100 trees, depth 6, 255 bins, learning rate 0.1) and
 * scikit-learn's RandomForest / ExtraTrees (100 trees, n_jobs=1) run on the same rows through
 * benchmarks/peers/members_peer.py (/usr/bin/python3; skipped with a message when absent).
 *
 * Run: node dist/benchmarks/members.js [--datasets synthetic,letter,...] [--families gbdt,...] [--no-peers]
 * Prints a table and writes results/members.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { takeRows, type Dataset } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { holdout } from '../src/data/split.js';
import { getMetric } from '../src/metrics/index.js';
import { extraTreesFamily } from '../src/models/families/extra-trees.js';
import { gbdtFamily } from '../src/models/families/gbdt.js';
import { randomForestFamily } from '../src/models/families/random-forest.js';
import type { Config, MemberFamily } from '../src/models/types.js';
import { fitTreeEncoder } from '../src/preprocess/tree-encoder.js';
import { Rng } from '../src/util/random.js';

const PYTHON = '/usr/bin/python3';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PEER = join(ROOT, 'benchmarks/peers/members_peer.py');
const DATA = join(ROOT, '../shared/datasets');
const SEED = 42;
/** ml_random_forest is quadratic in rows: only on training sets up to this size (it also caps rows itself). */
const ML_RF_MAX_TRAIN_ROWS = 5000;
/** Per-fit time limit for the non-tree families (MLP on 100k rows), so one run stays within minutes. */
const SLOW_FAMILY_SECONDS = 120;

/** Configs measured per family: the gbdt one mirrors the XGBoost peer's settings. */
const CONFIGS: Record<string, Config> = {
  gbdt: {
    n_estimators: 100,
    grow_policy: 'depthwise',
    max_depth: 6,
    max_bins: 255,
    learning_rate: 0.1,
    min_samples_leaf: 1,
    min_child_weight: 1,
    l2_regularization: 1,
    early_stopping: false,
  },
  random_forest: { n_estimators: 100 },
  extra_trees: { n_estimators: 100 },
};

interface Row {
  dataset: string;
  model: string;
  nTrain: number;
  trainSeconds: number | null;
  /** Process CPU time of the fit (user + system): robust to other load on a shared machine. */
  cpuSeconds: number | null;
  metric: string;
  score: number | null;
  note?: string;
  samplesPerSecond?: number;
}

/** Seeded synthetic binary problem: 20 Gaussian features, nonlinear logit with interactions, label noise. */
export function syntheticBinary(n: number, seed: number): Dataset {
  const d = 20;
  const rng = new Rng(seed);
  const cols = Array.from({ length: d }, () => new Float64Array(n));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) cols[f]![i] = rng.normal();
    const x = (f: number): number => cols[f]![i]!;
    const logit = 1.2 * x(0) - x(1) + x(2) * x(3) + Math.sin(2 * x(4)) + 0.5 * x(5) * x(5) - 0.5 + 0.3 * x(6) * x(7) + 0.6 * rng.normal();
    y[i] = logit > 0 ? 1 : 0;
  }
  return {
    name: 'synthetic',
    nRows: n,
    features: cols.map((values, f) => ({ name: `x${f}`, kind: 'numeric' as const, values })),
    target: { name: 'y', kind: 'classes', codes: y, classes: ['0', '1'] },
    task: 'binary',
  };
}

function loadCase(name: string): { train: Dataset; test: Dataset } {
  if (name === 'synthetic') {
    const all = syntheticBinary(125_000, SEED);
    const idx = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
    return { train: takeRows(all, idx(0, 100_000)), test: takeRows(all, idx(100_000, 125_000)) };
  }
  const ds = loadDatasetFile(join(DATA, `${name}.arff`));
  const fold = holdout(ds.nRows, 0.25, SEED, ds.target.kind === 'classes' ? ds.target.codes : undefined);
  return { train: takeRows(ds, fold.train), test: takeRows(ds, fold.test) };
}

function primaryMetric(ds: Dataset): string {
  return ds.task === 'binary' ? 'roc_auc' : ds.task === 'multiclass' ? 'accuracy' : 'r2';
}

function labels(ds: Dataset): Int32Array | Float64Array {
  return ds.target.kind === 'classes' ? ds.target.codes : ds.target.values;
}

function width(ds: Dataset): number {
  return ds.target.kind === 'classes' ? ds.target.classes.length : 1;
}

async function runFamily(family: MemberFamily, train: Dataset, test: Dataset, dataset: string): Promise<Row> {
  const metric = primaryMetric(train);
  const base: Row = { dataset, model: family.name, nTrain: train.nRows, trainSeconds: null, cpuSeconds: null, metric, score: null };
  if (family.name === 'ml_random_forest' && train.nRows > ML_RF_MAX_TRAIN_ROWS) {
    return { ...base, note: `skipped: > ${ML_RF_MAX_TRAIN_ROWS} training rows` };
  }
  const slow = !(family.name in CONFIGS);
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    const member = await family.fit(train, CONFIGS[family.name] ?? {}, {
      seed: SEED,
      signal: new AbortController().signal,
      deadline: slow ? Date.now() + SLOW_FAMILY_SECONDS * 1000 : Infinity,
      backend: 'auto',
    });
    const trainSeconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const score = getMetric(metric).score(labels(test), member.predict(test), width(test));
    const row: Row = { ...base, trainSeconds, cpuSeconds, score };
    const training = (member.serialize().state as { training?: { epochs?: number } }).training;
    if (family.name === 'mlp' && training?.epochs !== undefined) {
      row.samplesPerSecond = (train.nRows * training.epochs) / trainSeconds;
      row.note = `${training.epochs} epochs`;
    }
    member.dispose?.();
    return row;
  } catch (e) {
    return { ...base, note: `failed: ${(e as Error).message}` };
  }
}

/** Dense row-major float64 (categoricals as codes, NaN missing) for the Python peer. */
function denseRows(train: Dataset, part: Dataset): Float64Array {
  const X = fitTreeEncoder(train).transform(part);
  const d = X.columns.length;
  const out = new Float64Array(X.nRows * d);
  for (let f = 0; f < d; f++) for (let i = 0; i < X.nRows; i++) out[i * d + f] = X.columns[f]![i]!;
  return out;
}

function runPeers(train: Dataset, test: Dataset, dataset: string): Row[] {
  const metric = primaryMetric(train);
  // scikit-learn's forests take minutes on the 100k-row synthetic problem and have no target there.
  const models = dataset === 'synthetic' ? ['xgboost'] : ['xgboost', 'sklearn_rf', 'sklearn_et'];
  const skipped = (note: string): Row[] =>
    models.map((model) => ({ dataset, model, nTrain: train.nRows, trainSeconds: null, cpuSeconds: null, metric, score: null, note }));
  if (!existsSync(PYTHON)) return skipped(`skipped: ${PYTHON} not found`);
  const dir = mkdtempSync(join(tmpdir(), 'members-bench-'));
  try {
    const d = train.features.length;
    const f64 = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(join(dir, 'train_x.f64'), f64(denseRows(train, train)));
    writeFileSync(join(dir, 'test_x.f64'), f64(denseRows(train, test)));
    writeFileSync(join(dir, 'train_y.f64'), f64(Float64Array.from(labels(train))));
    const spec = {
      dir, task: train.task, n_train: train.nRows, n_test: test.nRows, d, n_classes: width(train), seed: SEED, models,
      xgboost: { n_estimators: 100, max_depth: 6, max_bin: 255, learning_rate: 0.1 },
      sklearn_rf: { n_estimators: 100 },
      sklearn_et: { n_estimators: 100 },
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const res = spawnSync(PYTHON, [PEER, join(dir, 'spec.json')], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (res.status !== 0) return skipped(`skipped: peer failed: ${(res.stderr || res.error?.message || '').trim().split('\n').pop()}`);
    const out = JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<
      string,
      { train_seconds?: number; cpu_seconds?: number; skipped?: string }
    >;
    return models.map((model) => {
      const r = out[model];
      const row: Row = { dataset, model, nTrain: train.nRows, trainSeconds: null, cpuSeconds: null, metric, score: null };
      if (r?.train_seconds === undefined) return { ...row, note: `skipped: ${r?.skipped ?? 'no result'}` };
      const buf = readFileSync(join(dir, `pred_${model}.f64`));
      const pred = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const score = getMetric(metric).score(labels(test), pred, width(test));
      return { ...row, trainSeconds: r.train_seconds, cpuSeconds: r.cpu_seconds ?? null, score };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function families(only: string[] | null): Promise<MemberFamily[]> {
  let list: MemberFamily[];
  try {
    const registry = (await import('../src/models/registry.js')) as { listFamilies(): MemberFamily[] };
    list = registry.listFamilies();
  } catch (e) {
    console.log(`registry unavailable (${(e as Error).message}); benchmarking the tree families only`);
    list = [gbdtFamily, randomForestFamily, extraTreesFamily];
  }
  return only === null ? list : list.filter((f) => only.includes(f.name));
}

function arg(name: string): string[] | null {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined ? null : a.slice(name.length + 3).split(',');
}

function find(rows: Row[], dataset: string, model: string): Row | undefined {
  return rows.find((r) => r.dataset === dataset && r.model === model && r.score !== null);
}

function diff(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : a - b;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
}

function fmt(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined ? '-' : x.toFixed(digits);
}

async function main(): Promise<void> {
  const datasets = arg('datasets') ?? ['synthetic', 'letter', 'spambase', 'satimage', 'diamonds'];
  const fams = await families(arg('families'));
  const peers = !process.argv.includes('--no-peers');
  const rows: Row[] = [];
  for (const name of datasets) {
    const { train, test } = loadCase(name);
    console.log(`# ${name}: ${train.nRows} train / ${test.nRows} test rows, ${train.features.length} features, ${train.task}`);
    if (peers) {
      const peerRows = runPeers(train, test, name);
      for (const r of peerRows) console.log(`  ${r.model}: ${fmt(r.trainSeconds, 2)} s (cpu ${fmt(r.cpuSeconds, 2)} s), ${r.metric} ${fmt(r.score, 4)} ${r.note ?? ''}`);
      rows.push(...peerRows);
    }
    for (const family of fams) {
      const r = await runFamily(family, train, test, name);
      console.log(`  ${r.model}: ${fmt(r.trainSeconds, 2)} s (cpu ${fmt(r.cpuSeconds, 2)} s), ${r.metric} ${fmt(r.score, 4)} ${r.note ?? ''}`);
      rows.push(r);
    }
  }
  const syn = (m: string) => find(rows, 'synthetic', m);
  const rf = (d: string) => find(rows, d, 'random_forest');
  const skrf = (d: string) => find(rows, d, 'sklearn_rf');
  const mlp = rows.filter((r) => r.model === 'mlp' && r.samplesPerSecond !== undefined);
  const summary = {
    // Time ratios use process CPU time (both sides single-threaded): the machine is shared, and wall time
    // swings with other people's load; the wall-time ratios are reported beside them.
    gbdt_vs_xgboost_time_ratio: ratio(syn('gbdt')?.cpuSeconds, syn('xgboost')?.cpuSeconds),
    gbdt_vs_xgboost_wall_time_ratio: ratio(syn('gbdt')?.trainSeconds, syn('xgboost')?.trainSeconds),
    gbdt_vs_xgboost_auc_diff: diff(syn('gbdt')?.score, syn('xgboost')?.score),
    rf_vs_sklearn_accuracy_diff_letter: diff(rf('letter')?.score, skrf('letter')?.score),
    rf_vs_sklearn_accuracy_diff_satimage: diff(rf('satimage')?.score, skrf('satimage')?.score),
    rf_vs_sklearn_time_ratio_letter: ratio(rf('letter')?.cpuSeconds, skrf('letter')?.cpuSeconds),
    rf_vs_sklearn_time_ratio_satimage: ratio(rf('satimage')?.cpuSeconds, skrf('satimage')?.cpuSeconds),
    rf_vs_sklearn_wall_time_ratio_letter: ratio(rf('letter')?.trainSeconds, skrf('letter')?.trainSeconds),
    rf_vs_sklearn_wall_time_ratio_satimage: ratio(rf('satimage')?.trainSeconds, skrf('satimage')?.trainSeconds),
    mlp_train_samples_per_second: mlp.length > 0 ? Math.max(...mlp.map((r) => r.samplesPerSecond!)) : null,
  };
  console.log('\n| dataset | model | train rows | train s | cpu s | metric | score | cpu vs peer | note |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const peerOf: Record<string, string> = { gbdt: 'xgboost', random_forest: 'sklearn_rf', extra_trees: 'sklearn_et' };
  for (const r of rows) {
    const peer = peerOf[r.model] !== undefined ? find(rows, r.dataset, peerOf[r.model]!) : undefined;
    const rt = ratio(r.cpuSeconds, peer?.cpuSeconds);
    console.log(
      `| ${r.dataset} | ${r.model} | ${r.nTrain} | ${fmt(r.trainSeconds, 2)} | ${fmt(r.cpuSeconds, 2)} | ${r.metric} | ${fmt(r.score, 4)} | ${rt === null ? '' : `${rt.toFixed(2)}x`} | ${r.note ?? ''} |`,
    );
  }
  console.log('\nsummary', JSON.stringify(summary, null, 2));
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  const out = {
    benchmark: 'members',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    seed: SEED,
    configs: CONFIGS,
    ...summary,
    rows,
  };
  writeFileSync(join(ROOT, 'results/members.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log('wrote results/members.json');
}

await main();

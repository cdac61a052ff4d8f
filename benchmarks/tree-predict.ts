/**
 * Benchmark: tree-ensemble prediction speed, the compiled walk (predictRawInto) against the previous node-by-node
 * walk on raw floats (predictRawIntoByNodeWalk, same sums bit for bit) and against scikit-learn's RandomForest /
 * ExtraTrees / HistGradientBoosting predict_proba (one thread, /usr/bin/python3 via
 * benchmarks/peers/tree_predict_peer.py; skipped with a message when absent).
 *
 * Models are trained on all 1,000 rows of credit-g (13 categorical features) with matching settings on both sides:
 * forests of 100 fully grown trees (min_samples_leaf 1, 4 features per split), and 100 boosting rounds of depth-6
 * trees (learning rate 0.1, min_samples_leaf 20, categorical splits). Each side predicts the same 1,000 rows in one
 * batch and the first row alone (median of repeated calls after a warm-up). Trees differ between the libraries, so
 * the table shows each side's node count and our node visits per row.
 *
 * Run: node dist/benchmarks/tree-predict.js [--seconds 2] [--no-peers]
 * Prints a table and writes results/tree-predict.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDatasetFile } from '../src/data/load.js';
import { trainBoosting, trainForest } from '../src/models/trees/index.js';
import { leafOf, predictRawInto, predictRawIntoByNodeWalk, type TreeArrays } from '../src/models/trees/predictor.js';
import { fitTreeEncoder } from '../src/preprocess/tree-encoder.js';
import type { TreeMatrix } from '../src/preprocess/types.js';
import { argument } from './args.js';
import { timeIt } from './timing.js';

const PYTHON = '/usr/bin/python3';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PEER = join(ROOT, 'benchmarks/peers/tree_predict_peer.py');
const N_TREES = 100;
const MAX_FEATURES = 4;
const GBDT = { n_rounds: 100, max_depth: 6, learning_rate: 0.1, min_samples_leaf: 20 };

interface PeerFigures {
  nodes?: number;
  batch_ms?: number;
  single_ms?: number;
  skipped?: string;
}

interface Figures {
  model: string;
  nodes: number;
  visitsPerRow: number;
  nodeWalkBatchMs: number;
  compiledBatchMs: number;
  compiledBatchCpuMs: number;
  nodeWalkSingleMs: number;
  compiledSingleMs: number;
  sklearnNodes: number | null;
  sklearnBatchMs: number | null;
  sklearnSingleMs: number | null;
}

/** Split nodes visited per row, summed over trees (the work a node walk does): the depth of each leaf reached. */
function visitsPerRow(t: TreeArrays, X: TreeMatrix): number {
  const depth = new Int32Array(t.feature.length);
  for (const root of t.roots) {
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (t.feature[node]! < 0) continue;
      for (const child of [t.left[node]!, t.right[node]!]) {
        depth[child] = depth[node]! + 1;
        stack.push(child);
      }
    }
  }
  let visits = 0;
  for (const root of t.roots) for (let i = 0; i < X.nRows; i++) visits += depth[leafOf(t, X.columns, root, i)]!;
  return visits / X.nRows;
}

function train(X: TreeMatrix, y: Int32Array): { name: string; trees: TreeArrays }[] {
  const forest = {
    nClasses: 2, nTrees: N_TREES, maxFeatures: MAX_FEATURES, criterion: 'gini' as const, maxDepth: Infinity, minSamplesLeaf: 1,
    minSamplesSplit: 2, maxSamples: 1, maxBins: 255, seed: 1,
  };
  return [
    { name: 'random_forest', trees: trainForest(X, y, { ...forest, bootstrap: true, randomSplits: false }).trees },
    { name: 'extra_trees', trees: trainForest(X, y, { ...forest, bootstrap: false, randomSplits: true }).trees },
    {
      name: 'gbdt',
      trees: trainBoosting(X, y, {
        loss: 'log_loss', nClasses: 2, learningRate: GBDT.learning_rate, nRounds: GBDT.n_rounds, maxLeaves: Infinity,
        maxDepth: GBDT.max_depth, minChildWeight: 1e-3, minSamplesLeaf: GBDT.min_samples_leaf, lambda: 0, minSplitGain: 0,
        subsample: 1, colsample: 1, maxBins: 255, catSmooth: 10, earlyStopping: false, validationFraction: 0.1, patience: 5, seed: 1,
      }).trees,
    },
  ];
}

function runPeer(X: TreeMatrix, y: Int32Array, seconds: number): Record<string, PeerFigures> | string {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return `scikit-learn not importable by ${PYTHON}`;
  const dir = mkdtempSync(join(tmpdir(), 'ae-bench-tree-predict-'));
  try {
    const n = X.nRows;
    const d = X.columns.length;
    const x = new Float64Array(n * d);
    for (let f = 0; f < d; f++) for (let i = 0; i < n; i++) x[i * d + f] = X.columns[f]![i]!;
    writeFileSync(join(dir, 'x.f64'), new Uint8Array(x.buffer));
    writeFileSync(join(dir, 'y.f64'), new Uint8Array(Float64Array.from(y).buffer));
    const spec = {
      dir, n, d, categorical: X.isCategorical, seconds,
      models: { random_forest: { n_trees: N_TREES, max_features: MAX_FEATURES }, extra_trees: { n_trees: N_TREES, max_features: MAX_FEATURES }, gbdt: GBDT },
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const res = spawnSync(PYTHON, [PEER, join(dir, 'spec.json')], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, maxBuffer: 1 << 24 });
    if (res.status !== 0) return `peer failed: ${(res.stderr || res.error?.message || '').trim().split('\n').pop()}`;
    return JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, PeerFigures>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(rows: readonly Figures[]): void {
  const f = (x: number | null, digits = 2): string => (x === null ? '-' : x.toFixed(digits));
  const header = ['model', 'nodes', 'visits/row', 'node walk 1k ms', 'compiled 1k ms', 'speed-up', 'sklearn nodes', 'sklearn 1k ms', 'node walk 1 row ms', 'compiled 1 row ms', 'sklearn 1 row ms'];
  const lines = rows.map((r) => [
    r.model, String(r.nodes), f(r.visitsPerRow, 0), f(r.nodeWalkBatchMs), f(r.compiledBatchMs), `${f(r.nodeWalkBatchMs / r.compiledBatchMs, 1)}x`,
    r.sklearnNodes === null ? '-' : String(r.sklearnNodes), f(r.sklearnBatchMs), f(r.nodeWalkSingleMs, 3), f(r.compiledSingleMs, 3), f(r.sklearnSingleMs, 3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
}

async function main(): Promise<void> {
  const seconds = Number(argument('seconds', '2'));
  const data = loadDatasetFile(join(ROOT, '../shared/datasets/credit-g.arff'));
  if (data.target.kind !== 'classes') throw new Error('credit-g should be a classification dataset');
  const X = fitTreeEncoder(data).transform(data);
  const y = data.target.codes;
  const one: TreeMatrix = { ...X, nRows: 1, columns: X.columns.map((c) => c.subarray(0, 1)) };
  const loadStart = loadavg()[0];
  const peer = process.argv.includes('--no-peers') ? 'disabled with --no-peers' : runPeer(X, y, seconds);
  if (typeof peer === 'string') console.log(`scikit-learn peer skipped: ${peer}`);
  const rows: Figures[] = [];
  for (const { name, trees } of train(X, y)) {
    const k = trees.nOutputs;
    const batch = (walk: typeof predictRawInto, M: TreeMatrix) => () => walk(trees, M, new Float64Array(M.nRows * k));
    const compiled = timeIt(batch(predictRawInto, X), seconds);
    const p = typeof peer === 'string' ? undefined : peer[name];
    if (p?.skipped !== undefined) console.log(`scikit-learn ${name} skipped: ${p.skipped}`);
    rows.push({
      model: name,
      nodes: trees.feature.length,
      visitsPerRow: visitsPerRow(trees, X),
      nodeWalkBatchMs: timeIt(batch(predictRawIntoByNodeWalk, X), seconds).wall,
      compiledBatchMs: compiled.wall,
      compiledBatchCpuMs: compiled.cpu,
      nodeWalkSingleMs: timeIt(batch(predictRawIntoByNodeWalk, one), seconds / 2).wall,
      compiledSingleMs: timeIt(batch(predictRawInto, one), seconds / 2).wall,
      sklearnNodes: p?.nodes ?? null,
      sklearnBatchMs: p?.batch_ms ?? null,
      sklearnSingleMs: p?.single_ms ?? null,
    });
  }
  printTable(rows);
  const out = {
    benchmark: 'tree-predict',
    dataset: 'credit-g',
    rows: X.nRows,
    cpus: cpus().length,
    node: process.version,
    load_average: { start: loadStart, end: loadavg()[0] },
    peer: typeof peer === 'string' ? { skipped: peer } : 'scikit-learn (/usr/bin/python3, OMP_NUM_THREADS=1, n_jobs=1)',
    models: rows,
  };
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/tree-predict.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`load average ${loadStart.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${cpus().length} cores; wrote results/tree-predict.json`);
}

await main();

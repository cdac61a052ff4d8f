/**
 * Benchmark: the ONNX export against our own predictor, with onnxruntime-node (the peer, in the same run).
 *
 * Agreement: on every shared dataset, an ensemble of gbdt, random forest, extra trees and linear members (2 fold
 * models each, trained on at most 1,200 rows) exported to ONNX; the largest |onnxruntime - ours| over its test rows,
 * plain and with extra missing values and unseen categories (the same check as test/export/onnx.test.ts).
 * Speed: rows/s in batches of 1,000 rows of credit-g for that dataset's ensemble, onnxruntime on one thread (and on
 * its default threads) against our `predictMatrix` (rows given as a table, so neither side parses JSON).
 *
 * Run: node dist/benchmarks/onnx.js [--seconds 3]   (about a minute). Writes results/onnx.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { takeRows } from '../src/data/dataset.js';
import { exportOnnx } from '../src/export/onnx/index.js';
import { directEnsemble } from '../test/export/helpers.js';
import { maxAbsDiff, onnxFeeds, ort, runOnnx } from '../test/export/onnx-helpers.js';
import { TREES_AND_LINEAR, trainTest, withMissingAndUnseen } from '../test/export/onnx-cases.js';
import { argument } from './args.js';
import { timeIt } from './timing.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function main(): Promise<void> {
  const seconds = Number(argument('seconds', '3'));
  const loadStart = loadavg()[0]!;
  const names = (JSON.parse(readFileSync(join(ROOT, '../shared/datasets/index.json'), 'utf8')) as { name: string }[]).map((d) => d.name);
  const perDataset: { dataset: string; rows: number; maxAbsDiff: number; onnxBytes: number }[] = [];
  let speed: Record<string, number> = {};
  for (const name of names) {
    const { train, test } = trainTest(name);
    const model = await directEnsemble(train, TREES_AND_LINEAR, 2);
    const bytes = exportOnnx(model);
    const session = await ort.InferenceSession.create(bytes);
    let worst = 0;
    for (const table of [test, withMissingAndUnseen(test)]) worst = Math.max(worst, maxAbsDiff((await runOnnx(session, model, table)).matrix, model.predictMatrix(table)));
    perDataset.push({ dataset: name, rows: 2 * test.nRows, maxAbsDiff: worst, onnxBytes: bytes.byteLength });
    console.log(`${name}: ${2 * test.nRows} rows, max |onnx - ours| ${worst.toExponential(2)}, ${(bytes.byteLength / 1e6).toFixed(2)} MB`);
    if (name === 'credit-g') speed = await measureSpeed(model, takeRows(train, Int32Array.from({ length: 1000 }, (_, i) => i % train.nRows)), bytes, seconds);
  }
  const out = {
    benchmark: 'onnx',
    onnxruntime: ort.env.versions,
    max_abs_diff: Math.max(...perDataset.map((d) => d.maxAbsDiff)),
    datasets_checked: perDataset.length,
    rows_checked: perDataset.reduce((s, d) => s + d.rows, 0),
    ort_rows_per_second_batch_1000: speed.ort1Thread,
    ort_rows_per_second_batch_1000_default_threads: speed.ortDefaultThreads,
    ours_rows_per_second_batch_1000: speed.ours,
    speed_ensemble: 'credit-g: gbdt (12 rounds), random forest (6 trees), extra trees (6 trees), linear; 2 fold models each',
    cpus: cpus().length,
    node: process.version,
    load_average: { start: loadStart, end: loadavg()[0] },
    datasets: perDataset,
  };
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/onnx.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nmax |onnx - ours| over ${out.datasets_checked} datasets (${out.rows_checked} rows): ${out.max_abs_diff.toExponential(2)}`);
  console.log(`credit-g, batches of 1,000 rows: onnxruntime ${Math.round(speed.ort1Thread!)} rows/s on 1 thread, ${Math.round(speed.ortDefaultThreads!)} on its default threads; ours ${Math.round(speed.ours!)} rows/s`);
  console.log(`load average ${loadStart.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; wrote results/onnx.json`);
}

async function measureSpeed(model: Parameters<typeof exportOnnx>[0], batch: Parameters<typeof onnxFeeds>[1], bytes: Uint8Array, seconds: number): Promise<Record<string, number>> {
  const feeds = onnxFeeds(model, batch);
  const rowsPerSecond = async (session: ort.InferenceSession): Promise<number> => {
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const times: number[] = [];
    const end = performance.now() + seconds * 1000;
    while (times.length < 5 || performance.now() < end) {
      const t = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return 1000 / (times[times.length >> 1]! / 1000);
  };
  const ort1Thread = await rowsPerSecond(await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }));
  const ortDefaultThreads = await rowsPerSecond(await ort.InferenceSession.create(bytes));
  const ours = 1000 / (timeIt(() => model.predictMatrix(batch), seconds).wall / 1000);
  return { ort1Thread, ortDefaultThreads, ours };
}

await main();

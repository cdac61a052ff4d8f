/**
 * Benchmark: the stacking selector's time on real out-of-fold predictions, with warm starts along the
 * regularization path (the default) against cold starts from the class priors (`warmStart: false`, the code as
 * it was before), measured in the same run on the same input.
 *
 * For each dataset, a few cheap members (linear, extra trees, gradient boosting with few rounds) are cross-fitted
 * with 5 folds to give real OOF predictions; then `stackingSelect` (logistic meta-model, 5 inner folds x 5
 * strengths + the final refit) runs R times each way. Reports the median time, the inner-CV log loss each way
 * (the same optimum, so it should agree to the solver tolerance) and the chosen strength.
 *
 * Run: node dist/benchmarks/stacking.js [--datasets letter,satimage,soybean] [--repeats 1]
 * Prints a table; writes results/stacking.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputWidth } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { datasetFolds } from '../src/data/split.js';
import { stackingSelect } from '../src/ensemble/stacking.js';
import type { Candidate } from '../src/ensemble/types.js';
import { getMetric } from '../src/metrics/index.js';
import { getFamily } from '../src/models/registry.js';
import type { Config } from '../src/models/types.js';
import { crossFit } from '../src/training/cross-fit.js';
import { formatTable } from '../src/util/text-table.js';
import { argument } from './args.js';
import { median } from './timing.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = join(ROOT, '../shared/datasets');
const MEMBERS: readonly { family: string; config: Config }[] = [
  { family: 'linear', config: {} },
  { family: 'extra_trees', config: { n_estimators: 30 } },
  { family: 'gbdt', config: { n_estimators: 30 } },
];

interface Row {
  readonly dataset: string;
  readonly rows: number;
  readonly classes: number;
  readonly members: number;
  readonly warmSeconds: number;
  readonly coldSeconds: number;
  readonly speedup: number;
  readonly warmLogLoss: number;
  readonly coldLogLoss: number;
  readonly warmStrength: number;
  readonly coldStrength: number;
}

async function candidatesFor(name: string): Promise<{ candidates: Candidate[]; y: Int32Array; rows: number; classes: number }> {
  const dataset = loadDatasetFile(join(DATA, `${name}.arff`));
  if (dataset.target.kind !== 'classes') throw new Error(`${name}: the stacking benchmark needs a classification dataset`);
  const folds = datasetFolds(dataset, 5, 0);
  const candidates: Candidate[] = [];
  for (const [id, member] of MEMBERS.entries()) {
    const fit = await crossFit(getFamily(member.family), dataset, folds, member.config, {
      seed: id + 1, signal: new AbortController().signal, deadline: Infinity,
    });
    candidates.push({ id, family: member.family, config: member.config, predictions: fit.oof });
  }
  return { candidates, y: dataset.target.codes, rows: dataset.nRows, classes: outputWidth(dataset) };
}

async function main(): Promise<void> {
  const datasets = argument('datasets', 'letter,satimage,soybean').split(',');
  const repeats = Number(argument('repeats', '1'));
  const metric = getMetric('log_loss');
  const rows: Row[] = [];
  for (const name of datasets) {
    process.stderr.write(`${name}: cross-fitting ${MEMBERS.length} members...\n`);
    const input = await candidatesFor(name);
    const run = (warmStart: boolean): { seconds: number; logLoss: number; strength: number } => {
      const started = process.hrtime.bigint();
      const result = stackingSelect(input.candidates, input.y, metric, { seed: 0, warmStart });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return { seconds, logLoss: result.validationScore, strength: Number(result.details?.regularization) };
    };
    const warm: ReturnType<typeof run>[] = [];
    const cold: ReturnType<typeof run>[] = [];
    for (let r = 0; r < repeats; r++) {
      // Alternate so drifting machine load hits both ways alike.
      warm.push(run(true));
      cold.push(run(false));
      process.stderr.write(`${name}: repeat ${r + 1}/${repeats} warm ${warm.at(-1)!.seconds.toFixed(2)} s, cold ${cold.at(-1)!.seconds.toFixed(2)} s\n`);
    }
    const warmSeconds = median(warm.map((w) => w.seconds));
    const coldSeconds = median(cold.map((c) => c.seconds));
    rows.push({
      dataset: name,
      rows: input.rows,
      classes: input.classes,
      members: input.candidates.length,
      warmSeconds,
      coldSeconds,
      speedup: coldSeconds / warmSeconds,
      warmLogLoss: warm[0]!.logLoss,
      coldLogLoss: cold[0]!.logLoss,
      warmStrength: warm[0]!.strength,
      coldStrength: cold[0]!.strength,
    });
  }
  const header = ['dataset', 'rows', 'classes', 'warm start (s)', 'cold start (s)', 'speed-up', 'inner-CV log loss warm / cold', 'l2 warm / cold'];
  const body = rows.map((r) => [
    r.dataset, String(r.rows), String(r.classes), r.warmSeconds.toFixed(2), r.coldSeconds.toFixed(2), `${r.speedup.toFixed(2)}x`,
    `${r.warmLogLoss.toFixed(5)} / ${r.coldLogLoss.toFixed(5)}`, `${r.warmStrength} / ${r.coldStrength}`,
  ]);
  process.stdout.write(`${formatTable(header, body)}\n`);
  const out = {
    benchmark: 'stacking',
    what: 'stackingSelect with a logistic meta-model (5 inner folds x 5 strengths + refit, nonNegative) on 5-fold OOF predictions of linear, extra trees (30) and gbdt (30 rounds); median of repeats',
    repeats,
    cpus: cpus().length,
    node: process.version,
    load_average: loadavg()[0],
    rows,
  };
  writeFileSync(join(ROOT, 'results/stacking.json'), JSON.stringify(out, null, 2) + '\n');
}

await main();

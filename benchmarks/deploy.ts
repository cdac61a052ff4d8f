/**
 * Benchmark: the deployment forms (src/export/deploy.ts) on the quality suite's 8 datasets, to choose the default.
 *
 * For each dataset and outer fold (seeded k-fold, test rows never seen by the search): one default run of
 * autoEnsemble (BO search, GES, `--budget` seconds, 5 inner folds) stored once, then the same selected ensemble
 * deployed as `exact` (fold models), `fast` and `small`; for each form: test score (the run's metric, higher is
 * better as users read it except rmse), bundle size, in-process latency of 1 row and rows/s in batches of 1,000
 * (rows as JSON-like objects, input checks included), time to build the form (refits).
 *
 * Run: node dist/benchmarks/deploy.js [--budget 60] [--folds 2] [--datasets credit-g,segment,...]
 * About budget x folds x 8 plus ~10 s per task (20 min at the defaults). Prints a table per task and a summary,
 * writes results/deploy.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoEnsemble, loadRunEnsemble } from '../src/api/auto-ensemble.js';
import { takeRows, targetLabels } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { datasetFolds } from '../src/data/split.js';
import { DEPLOY_FORMS, type DeployForm } from '../src/export/deploy.js';
import { getMetric } from '../src/metrics/index.js';
import { tableToRows } from '../src/serving/serving-cost.js';
import { argument } from './args.js';
import { timeIt } from './timing.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface FormFigures {
  readonly dataset: string;
  readonly fold: number;
  readonly form: DeployForm;
  readonly metric: string;
  readonly testScore: number;
  readonly validationScore: number;
  readonly members: number;
  readonly models: number;
  readonly bytes: number;
  readonly oneRowMs: number;
  readonly rowsPerSecond: number;
  readonly buildSeconds: number;
}

async function main(): Promise<void> {
  const budget = Number(argument('budget', '60'));
  const outerFolds = Number(argument('folds', '2'));
  const suite = JSON.parse(readFileSync(join(ROOT, 'benchmarks/suites/quality.json'), 'utf8')) as { datasets: { name: string; target: string }[] };
  const names = argument('datasets', suite.datasets.map((d) => d.name).join(',')).split(',');
  const work = mkdtempSync(join(tmpdir(), 'ae-bench-deploy-'));
  const loadStart = loadavg()[0]!;
  const rows: FormFigures[] = [];
  try {
    for (const name of names) {
      const spec = suite.datasets.find((d) => d.name === name)!;
      const data = loadDatasetFile(join(ROOT, `../shared/datasets/${name}.arff`), { target: spec.target });
      const folds = datasetFolds(data, Math.max(outerFolds, 2), 0).slice(0, outerFolds);
      for (const [f, fold] of folds.entries()) {
        const train = takeRows(data, fold.train);
        const test = takeRows(data, fold.test);
        const store = join(work, `${name}-${f}.db`);
        const run = await autoEnsemble(train, { timeBudget: budget, seed: f, deploy: 'exact', store });
        const metric = getMetric(run.metric, run.task);
        const batch = tableToRows(train, 1000);
        for (const form of DEPLOY_FORMS) {
          const t0 = performance.now();
          const result = await loadRunEnsemble(run.runId, { store, deploy: form, ...(form === 'exact' ? {} : { dataset: train }) });
          const buildSeconds = (performance.now() - t0) / 1000;
          const model = result.ensemble;
          const bytes = result.save(join(work, `${name}-${f}-${form}`));
          const one = timeIt(() => model.predictMatrix(batch.slice(0, 1)), 0.5);
          const many = timeIt(() => model.predictMatrix(batch), 1.5);
          const figures: FormFigures = {
            dataset: name,
            fold: f,
            form,
            metric: run.metric,
            testScore: metric.score(targetLabels(test), model.predictMatrix(test), model.nOutputs),
            validationScore: model.deployment?.validationScore ?? run.validationScore,
            members: model.members.length,
            models: model.members.reduce((s, m) => s + m.models.length, 0),
            bytes,
            oneRowMs: one.wall,
            rowsPerSecond: 1000 / (many.wall / 1000),
            buildSeconds,
          };
          rows.push(figures);
          console.log(
            `${name} fold ${f} ${form.padEnd(5)}: test ${run.metric} ${figures.testScore.toFixed(4)}, ${figures.members} members / ${figures.models} models, ` +
              `${(bytes / 1e6).toFixed(2)} MB, 1 row ${figures.oneRowMs.toFixed(3)} ms, ${Math.round(figures.rowsPerSecond)} rows/s, built in ${buildSeconds.toFixed(1)} s`,
          );
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const summary = summarize(rows);
  printSummary(summary);
  const out = {
    benchmark: 'deploy',
    budget_seconds: budget,
    outer_folds: outerFolds,
    datasets: names,
    cpus: cpus().length,
    node: process.version,
    load_average: { start: loadStart, end: loadavg()[0] },
    summary,
    tasks: rows,
  };
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/deploy.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`load average ${loadStart.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; wrote results/deploy.json`);
}

/** Per dataset and form, means over folds, and each form against exact: score change (metric units, signed so that
 * positive is better), size and speed ratios. */
function summarize(rows: readonly FormFigures[]) {
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  return datasets.flatMap((dataset) =>
    DEPLOY_FORMS.map((form) => {
      const own = rows.filter((r) => r.dataset === dataset && r.form === form);
      const exact = rows.filter((r) => r.dataset === dataset && r.form === 'exact');
      const sign = own[0]?.metric === 'rmse' || own[0]?.metric === 'log_loss' || own[0]?.metric === 'mae' ? -1 : 1;
      return {
        dataset,
        form,
        metric: own[0]?.metric ?? '',
        testScore: mean(own.map((r) => r.testScore)),
        scoreGainVsExact: sign * (mean(own.map((r) => r.testScore)) - mean(exact.map((r) => r.testScore))),
        members: mean(own.map((r) => r.members)),
        megabytes: mean(own.map((r) => r.bytes)) / 1e6,
        sizeVsExact: mean(own.map((r) => r.bytes)) / mean(exact.map((r) => r.bytes)),
        oneRowMs: mean(own.map((r) => r.oneRowMs)),
        rowsPerSecond: mean(own.map((r) => r.rowsPerSecond)),
        speedVsExact: mean(own.map((r) => r.rowsPerSecond)) / mean(exact.map((r) => r.rowsPerSecond)),
        buildSeconds: mean(own.map((r) => r.buildSeconds)),
      };
    }),
  );
}

function printSummary(summary: ReturnType<typeof summarize>): void {
  console.log('\n| dataset | form | metric | test score | vs exact (+ better) | members | MB | size vs exact | 1 row ms | rows/s (1,000) | speed vs exact | build s |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of summary) {
    console.log(
      `| ${s.dataset} | ${s.form} | ${s.metric} | ${s.testScore.toFixed(4)} | ${s.form === 'exact' ? '—' : s.scoreGainVsExact.toFixed(4)} | ${s.members.toFixed(1)} | ${s.megabytes.toFixed(2)} | ` +
        `${s.sizeVsExact.toFixed(2)} | ${s.oneRowMs.toFixed(3)} | ${Math.round(s.rowsPerSecond).toLocaleString('en-US')} | ${s.speedVsExact.toFixed(1)}x | ${s.buildSeconds.toFixed(1)} |`,
    );
  }
  for (const form of DEPLOY_FORMS.filter((f) => f !== 'exact')) {
    const own = summary.filter((s) => s.form === form);
    const better = own.filter((s) => s.scoreGainVsExact >= 0).length;
    const geo = (xs: number[]): number => Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / Math.max(xs.length, 1));
    console.log(
      `${form}: test score as good or better than exact on ${better} of ${own.length} datasets; geometric mean size ${geo(own.map((s) => s.sizeVsExact)).toFixed(2)}x, ` +
        `speed ${geo(own.map((s) => s.speedVsExact)).toFixed(1)}x of exact`,
    );
  }
}

await main();

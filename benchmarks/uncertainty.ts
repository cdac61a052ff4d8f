/**
 * Benchmark: can users trust the uncertainty? On every shared dataset, 3 seeded outer folds; in each, a bounded search
 * (default BO, 8 trials or 30 s, 5 inner folds, the default GES ensemble) on the outer-training rows, then on the
 * outer-test rows:
 * - coverage_90: the share of test rows inside the 90% conformal interval (regression, normalized CV+: the default)
 *   or prediction set (classification, LAC: the default); target 0.87-0.95 on every dataset;
 * - regression: mean interval width against the constant-width baseline (split conformal on the absolute
 *   out-of-fold residuals: prediction +/- one quantile) and absolute CV+; the Gaussian NLL of GES against `deuq`
 *   (greedy and top-k) re-ensembled from the same trials; tree spread against a model of squared residuals;
 * - classification: mean set size (LAC and APS), APS coverage, expected calibration error and log loss before and
 *   after temperature scaling;
 * - one more run per dataset for the out-of-distribution test (uncertainty-ood.ts).
 * Training rows are capped at 2,000 and test rows at 4,000 (seeded samples) so the whole run stays bounded: about
 * 25-40 minutes on 2 cores. Coverage is not a timing figure: run it under `nice -n 19`.
 *
 * Run: node dist/benchmarks/uncertainty.js [--datasets boston,iris] [--trials 8] [--seconds 30] [--out results/uncertainty.json]
 * Prints a table; writes results/uncertainty.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoEnsemble, reEnsemble } from '../src/api/auto-ensemble.js';
import type { AutoEnsembleResult } from '../src/api/types.js';
import { takeRows, type Dataset } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { datasetFolds, holdout } from '../src/data/split.js';
import { cvPlusIntervals, mergeScores } from '../src/ensemble/conformal.js';
import { gaussianNll } from '../src/ensemble/uncertainty.js';
import { expectedCalibrationError } from '../src/metrics/calibration-error.js';
import { getMetric } from '../src/metrics/index.js';
import { SqliteStore } from '../src/store/index.js';
import { formatTable } from '../src/util/text-table.js';
import { argument } from './args.js';
import { auroc, clusterSplit, spearman } from './uncertainty-ood.js';
import { compareVariances, type VarianceComparison } from './uncertainty-variance.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = join(ROOT, '../shared/datasets');
const OUTER_FOLDS = 3;
const MAX_TRAIN = 2000;
const MAX_TEST = 4000;
const LEVEL = 0.9;

interface Settings {
  readonly trials: number;
  readonly seconds: number;
}

interface FoldResult {
  readonly coverage_90: number;
  readonly testRows: number;
  readonly trials: number;
  readonly members: string;
  readonly regression?: Record<string, number>;
  readonly classification?: Record<string, number>;
}

async function main(): Promise<void> {
  const started = Date.now();
  const settings: Settings = { trials: Number(argument('trials', '8')), seconds: Number(argument('seconds', '30')) };
  const index = JSON.parse(readFileSync(join(DATA, 'index.json'), 'utf8')) as { name: string; file: string; target: string }[];
  const wanted = argument('datasets', index.map((d) => d.name).join(',')).split(',');
  const out = resolve(ROOT, argument('out', 'results/uncertainty.json'));
  const loadStart = loadavg();
  const datasets: Record<string, unknown>[] = [];
  for (const entry of index.filter((d) => wanted.includes(d.name))) {
    const data = loadDatasetFile(join(DATA, entry.file), { target: entry.target });
    const folds: FoldResult[] = [];
    const outer = datasetFolds(data, OUTER_FOLDS, 2024);
    for (const [f, fold] of outer.entries()) {
      const t0 = Date.now();
      const train = capped(takeRows(data, fold.train), MAX_TRAIN, f);
      const test = capped(takeRows(data, fold.test), MAX_TEST, f + 10);
      folds.push(await evaluateFold(train, test, settings, f));
      process.stderr.write(`${entry.name} fold ${f + 1}/${OUTER_FOLDS}: coverage ${folds[f]!.coverage_90.toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
    const ood = await outOfDistribution(data, settings);
    process.stderr.write(`${entry.name} out-of-distribution: spearman ${ood.spearman_epistemic_error.toFixed(3)}, AUROC ${ood.auroc_ood.toFixed(3)}\n`);
    datasets.push(summarize(entry.name, data, folds, ood));
  }
  const coverages = datasets.map((d) => d.coverage_90 as number);
  const result = {
    benchmark: 'uncertainty',
    createdAt: new Date().toISOString(),
    settings: { ...settings, outerFolds: OUTER_FOLDS, innerFolds: 5, search: 'bo', ensemble: 'ges', maxTrainRows: MAX_TRAIN, maxTestRows: MAX_TEST, level: LEVEL },
    machine: { cpus: cpus().length, loadavg_start: loadStart, loadavg_end: loadavg() },
    seconds: (Date.now() - started) / 1000,
    coverage_90_min: Math.min(...coverages),
    coverage_90_max: Math.max(...coverages),
    datasets_in_target: coverages.filter((c) => c >= 0.87 && c <= 0.95).length,
    summary: summary(datasets),
    datasets,
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  printTables(datasets);
  process.stdout.write(`\ncoverage_90 over ${datasets.length} datasets: min ${result.coverage_90_min.toFixed(3)}, max ${result.coverage_90_max.toFixed(3)}; ` +
    `${result.datasets_in_target} in [0.87, 0.95]. ${result.seconds.toFixed(0)} s, load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} -> ${loadavg().map((x) => x.toFixed(2)).join(' ')}. Wrote ${out}\n`);
}

/** A seeded sample of at most `cap` rows (class-stratified for classification). */
function capped(data: Dataset, cap: number, seed: number): Dataset {
  if (data.nRows <= cap) return data;
  const strata = data.target.kind === 'classes' ? data.target.codes : undefined;
  return takeRows(data, holdout(data.nRows, 1 - cap / data.nRows, seed, strata).train);
}

async function search(train: Dataset, settings: Settings, seed: number, dir: string): Promise<AutoEnsembleResult> {
  return autoEnsemble(train, { maxTrials: settings.trials, timeBudget: settings.seconds, folds: 5, seed, store: join(dir, 'runs.db') });
}

async function evaluateFold(train: Dataset, test: Dataset, settings: Settings, seed: number): Promise<FoldResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ae-bench-uq-'));
  try {
    const result = await search(train, settings, seed, dir);
    const base = { testRows: test.nRows, trials: result.run.trials.done, members: result.members.map((m) => `${m.family}:${m.weight.toFixed(2)}`).join(' ') };
    if (test.target.kind === 'values') return { ...base, ...(await regressionFigures(result, train, test, test.target.values, dir, seed)) };
    return { ...base, ...classificationFigures(result, test, test.target.codes) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function regressionFigures(result: AutoEnsembleResult, train: Dataset, test: Dataset, y: Float64Array, dir: string, seed: number): Promise<Omit<FoldResult, 'testRows' | 'trials' | 'members'>> {
  const model = result.ensemble;
  const normalized = model.predictDetailed(test, { interval: LEVEL, uncertainty: true });
  const absolute = model.predictDetailed(test, { interval: LEVEL, normalized: false });
  const constant = cvPlusIntervals(mergeScores(model.calibration!.regression!.absolute), [normalized.predictions], undefined, LEVEL);
  const store = join(dir, 'runs.db');
  const nllOf = async (options: Record<string, unknown>): Promise<{ nll: number; coverage: number }> => {
    const other = await reEnsemble(result.runId, { ensemble: 'deuq', ensembleOptions: options, store });
    const d = other.ensemble.predictDetailed(test, { interval: LEVEL, uncertainty: true });
    return { nll: gaussianNll(y, d.predictions, d.uncertainty!.total), coverage: coverage(y, d.interval!.lower, d.interval!.upper) };
  };
  const greedy = await nllOf({});
  const topK = await nllOf({ strategy: 'top-k' });
  const opened = new SqliteStore(store);
  let variances: VarianceComparison | undefined;
  try {
    variances = await compareVariances(opened, result.runId, train, test, 5, seed);
  } finally {
    opened.close();
  }
  return {
    coverage_90: coverage(y, normalized.interval!.lower, normalized.interval!.upper),
    regression: {
      width_normalized: meanWidth(normalized.interval!.lower, normalized.interval!.upper),
      coverage_absolute_cvplus: coverage(y, absolute.interval!.lower, absolute.interval!.upper),
      width_absolute_cvplus: meanWidth(absolute.interval!.lower, absolute.interval!.upper),
      coverage_constant: coverage(y, constant.lower, constant.upper),
      width_constant: meanWidth(constant.lower, constant.upper),
      rmse: getMetric('rmse').score(y, normalized.predictions, 1),
      nll_ges: gaussianNll(y, normalized.predictions, normalized.uncertainty!.total),
      nll_deuq: greedy.nll,
      coverage_deuq: greedy.coverage,
      nll_deuq_topk: topK.nll,
      ...flatVariances(variances),
    },
  };
}

function classificationFigures(result: AutoEnsembleResult, test: Dataset, y: Int32Array): Omit<FoldResult, 'testRows' | 'trials' | 'members'> {
  const model = result.ensemble;
  const k = model.nOutputs;
  const lac = model.predictDetailed(test, { interval: LEVEL, setMethod: 'lac' });
  const aps = model.predictDetailed(test, { interval: LEVEL, setMethod: 'aps' });
  const calibrated = model.predictDetailed(test, { calibrated: true }).predictions;
  const logLoss = getMetric('log_loss');
  return {
    coverage_90: setCoverage(y, lac.sets!.members, k),
    classification: {
      set_size_lac: meanSetSize(lac.sets!.members, y.length),
      empty_sets_lac: emptyShare(lac.sets!.members, y.length, k),
      coverage_aps: setCoverage(y, aps.sets!.members, k),
      set_size_aps: meanSetSize(aps.sets!.members, y.length),
      accuracy: getMetric('accuracy').score(y, lac.predictions, k),
      ece_before: expectedCalibrationError(y, lac.predictions, k),
      ece_after: expectedCalibrationError(y, calibrated, k),
      log_loss_before: logLoss.score(y, lac.predictions, k),
      log_loss_after: logLoss.score(y, calibrated, k),
      temperature: model.calibration!.classification!.temperature,
    },
  };
}

async function outOfDistribution(data: Dataset, settings: Settings): Promise<Record<string, number>> {
  const split = clusterSplit(data, 7);
  const dir = mkdtempSync(join(tmpdir(), 'ae-bench-uq-'));
  try {
    const train = capped(takeRows(data, split.train), MAX_TRAIN, 3);
    const ood = capped(takeRows(data, split.outOfDistribution), MAX_TEST, 4);
    const ind = capped(takeRows(data, split.inDistribution), MAX_TEST, 5);
    const result = await search(train, settings, 7, dir);
    const measure = (rows: Dataset): { epistemic: Float64Array; total: Float64Array; error: Float64Array } => {
      const d = result.ensemble.predictDetailed(rows, { uncertainty: true });
      const k = result.ensemble.nOutputs;
      const error = rows.target.kind === 'values'
        ? Float64Array.from(rows.target.values, (v, i) => Math.abs(v - d.predictions[i]!))
        : Float64Array.from(rows.target.codes, (c, i) => 1 - d.predictions[i * k + c]!);
      return { epistemic: d.uncertainty!.epistemic, total: d.uncertainty!.total, error };
    };
    const o = measure(ood);
    const i = measure(ind);
    return {
      cluster_share: split.clusterShare,
      ood_rows: ood.nRows,
      spearman_epistemic_error: spearman(o.epistemic, o.error),
      spearman_total_error: spearman(o.total, o.error),
      auroc_ood: auroc(o.epistemic, i.epistemic),
      auroc_ood_total: auroc(o.total, i.total),
      epistemic_ratio: mean(o.epistemic) / mean(i.epistemic),
      error_ratio: mean(o.error) / mean(i.error),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The tree-spread / residual-model / constant comparison as flat numbers (NaN when the run has no forest). */
function flatVariances(v: VarianceComparison | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of ['tree_spread', 'residual_model', 'constant'] as const) {
    for (const figure of ['nll', 'coverage_90', 'spearman_sd_error'] as const) out[`variance_${kind}_${figure}`] = v === undefined ? NaN : v[kind][figure];
  }
  return out;
}

function coverage(y: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let c = 0;
  for (let i = 0; i < y.length; i++) if (lower[i]! <= y[i]! && y[i]! <= upper[i]!) c++;
  return c / y.length;
}

function setCoverage(y: Int32Array, members: Uint8Array, k: number): number {
  let c = 0;
  for (let i = 0; i < y.length; i++) c += members[i * k + y[i]!]!;
  return c / y.length;
}

function meanSetSize(members: Uint8Array, n: number): number {
  let s = 0;
  for (const m of members) s += m;
  return s / n;
}

function emptyShare(members: Uint8Array, n: number, k: number): number {
  let empty = 0;
  for (let i = 0; i < n; i++) if (members.subarray(i * k, (i + 1) * k).every((m) => m === 0)) empty++;
  return empty / n;
}

function meanWidth(lower: Float64Array, upper: Float64Array): number {
  let s = 0;
  for (let i = 0; i < lower.length; i++) s += upper[i]! - lower[i]!;
  return s / lower.length;
}

function mean(values: Float64Array): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Per dataset: coverage over all outer-test rows (folds weighted by rows), fold means of the other figures. */
function summarize(name: string, data: Dataset, folds: readonly FoldResult[], ood: Record<string, number>): Record<string, unknown> {
  const rows = folds.reduce((s, f) => s + f.testRows, 0);
  const section = (key: 'regression' | 'classification'): Record<string, unknown> | undefined => {
    if (folds[0]![key] === undefined) return undefined;
    const out: Record<string, unknown> = {};
    for (const field of Object.keys(folds[0]![key]!)) {
      const values = folds.map((f) => f[key]![field]!).filter((v) => Number.isFinite(v));
      out[field] = values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
    }
    return out;
  };
  return {
    name,
    task: data.task,
    rows: data.nRows,
    coverage_90: folds.reduce((s, f) => s + f.coverage_90 * f.testRows, 0) / rows,
    coverage_90_folds: folds.map((f) => f.coverage_90),
    trials_done: folds.map((f) => f.trials),
    ensembles: folds.map((f) => f.members),
    ...(section('regression') === undefined ? {} : { regression: section('regression') }),
    ...(section('classification') === undefined ? {} : { classification: section('classification') }),
    ood,
  };
}

/** Across datasets: means and win counts of the comparisons. */
function summary(datasets: readonly Record<string, unknown>[]): Record<string, number> {
  const reg = datasets.map((d) => d.regression as Record<string, number> | undefined).filter((r) => r !== undefined);
  const cls = datasets.map((d) => d.classification as Record<string, number> | undefined).filter((c) => c !== undefined);
  const ood = datasets.map((d) => d.ood as Record<string, number>);
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  const count = (xs: boolean[]): number => xs.filter(Boolean).length;
  const forests = reg.filter((r) => Number.isFinite(r.variance_tree_spread_nll));
  return {
    regression_datasets: reg.length,
    width_normalized_over_constant: avg(reg.map((r) => r.width_normalized! / r.width_constant!)),
    width_absolute_cvplus_over_constant: avg(reg.map((r) => r.width_absolute_cvplus! / r.width_constant!)),
    deuq_nll_below_ges: count(reg.map((r) => r.nll_deuq! < r.nll_ges!)),
    deuq_greedy_nll_below_topk: count(reg.map((r) => r.nll_deuq! < r.nll_deuq_topk!)),
    forest_datasets: forests.length,
    tree_spread_nll_below_residual_model: count(forests.map((r) => r.variance_tree_spread_nll! < r.variance_residual_model_nll!)),
    tree_spread_mean_spearman: avg(forests.map((r) => r.variance_tree_spread_spearman_sd_error!)),
    residual_model_mean_spearman: avg(forests.map((r) => r.variance_residual_model_spearman_sd_error!)),
    classification_datasets: cls.length,
    ece_before_mean: avg(cls.map((c) => c.ece_before!)),
    ece_after_mean: avg(cls.map((c) => c.ece_after!)),
    ece_improved: count(cls.map((c) => c.ece_after! < c.ece_before!)),
    log_loss_improved: count(cls.map((c) => c.log_loss_after! < c.log_loss_before!)),
    ood_spearman_mean: avg(ood.map((o) => o.spearman_epistemic_error!)),
    ood_spearman_total_mean: avg(ood.map((o) => o.spearman_total_error!)),
    ood_spearman_positive: count(ood.map((o) => o.spearman_epistemic_error! > 0)),
    ood_auroc_mean: avg(ood.map((o) => o.auroc_ood!)),
    ood_harder: count(ood.map((o) => o.error_ratio! > 1)),
  };
}

function printTables(datasets: readonly Record<string, unknown>[]): void {
  const f3 = (x: unknown): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '-');
  const reg = datasets.filter((d) => d.regression !== undefined);
  const cls = datasets.filter((d) => d.classification !== undefined);
  process.stdout.write('\nRegression (90% intervals; widths relative to the constant-width baseline; Gaussian NLL)\n');
  process.stdout.write(formatTable(
    ['dataset', 'coverage', 'width/const', 'abs CV+/const', 'const cov', 'NLL ges', 'NLL deuq', 'NLL top-k', 'OOD spearman', 'OOD AUROC'],
    reg.map((d) => {
      const r = d.regression as Record<string, number>;
      const o = d.ood as Record<string, number>;
      return [d.name as string, f3(d.coverage_90), f3(r.width_normalized! / r.width_constant!), f3(r.width_absolute_cvplus! / r.width_constant!), f3(r.coverage_constant),
        f3(r.nll_ges), f3(r.nll_deuq), f3(r.nll_deuq_topk), f3(o.spearman_epistemic_error), f3(o.auroc_ood)];
    }),
  ) + '\n');
  process.stdout.write('\nClassification (90% LAC sets; APS for comparison; ECE before -> after temperature scaling)\n');
  process.stdout.write(formatTable(
    ['dataset', 'coverage', 'set size', 'APS cov', 'APS size', 'ECE', 'ECE (T)', 'T', 'OOD spearman', 'OOD AUROC'],
    cls.map((d) => {
      const c = d.classification as Record<string, number>;
      const o = d.ood as Record<string, number>;
      return [d.name as string, f3(d.coverage_90), f3(c.set_size_lac), f3(c.coverage_aps), f3(c.set_size_aps), f3(c.ece_before), f3(c.ece_after), f3(c.temperature),
        f3(o.spearman_epistemic_error), f3(o.auroc_ood)];
    }),
  ) + '\n');
}

await main();

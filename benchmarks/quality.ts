/**
 * Issue 7's quality table, from a benchmark result CSV (written by `auto-ensemble bench --suite quality`): per
 * dataset, the mean test score over folds of the default autoEnsemble (AE-<search>-ges), the single best member of
 * the same run (AE-<search>-single-best), and our random forest and gradient boosting at their defaults.
 *
 *   npm run bench:quality        # runs the suite (8 datasets x 3 folds x 60 s), then this summary
 *   node dist/benchmarks/quality.js results/quality.csv
 *
 * Prints a Markdown table and writes results/quality.json. `result` in the CSV is higher-is-better (AUC,
 * negative log loss, negative RMSE), so "best" below is the largest.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { numberCell, readResults } from '../src/bench/results-csv.js';

const file = process.argv[2] ?? 'results/quality.csv';
const rows = readResults(file);
const search = rows.find((r) => /^AE-.*-ges$/.test(r['framework'] ?? ''))?.['framework']?.replace(/-ges$/, '') ?? 'AE-bo';
const METHODS = {
  autoEnsemble: `${search}-ges`,
  singleBest: `${search}-single-best`,
  randomForest: 'RandomForest',
  gradientBoosting: 'GradientBoosting',
} as const;
type Method = keyof typeof METHODS;

const tasks = [...new Set(rows.map((r) => r['task']!))];
const table = tasks.map((task) => {
  const of = (m: Method): number[] => rows.filter((r) => r['task'] === task && r['framework'] === METHODS[m]).map((r) => numberCell(r, 'result'));
  const mean = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const scores = Object.fromEntries((Object.keys(METHODS) as Method[]).map((m) => [m, mean(of(m))])) as Record<Method, number>;
  const metric = rows.find((r) => r['task'] === task)?.['metric'] ?? '';
  const trials = mean(rows.filter((r) => r['task'] === task && r['framework'] === METHODS.autoEnsemble).map((r) => numberCell(r, 'trials')));
  const others = [scores.singleBest, scores.randomForest, scores.gradientBoosting].filter((x) => !Number.isNaN(x));
  return { task, metric, folds: of('autoEnsemble').length, ...scores, trials, ensembleBestOrTied: others.every((x) => scores.autoEnsemble >= x - 1e-12) };
});

const fmt = (x: number): string => (Number.isNaN(x) ? '—' : x.toFixed(4));
console.log(`Quality from ${file} (mean test result over folds; higher is better: auc, neg_logloss, neg_rmse)\n`);
console.log('| dataset | metric | autoEnsemble | single best | random forest | gradient boosting | trials | ensemble best? |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of table) {
  console.log(`| ${r.task} | ${r.metric} | ${fmt(r.autoEnsemble)} | ${fmt(r.singleBest)} | ${fmt(r.randomForest)} | ${fmt(r.gradientBoosting)} | ${Number.isNaN(r.trials) ? '—' : r.trials.toFixed(1)} | ${r.ensembleBestOrTied ? 'yes' : 'no'} |`);
}
const wins = table.filter((r) => r.ensembleBestOrTied).length;
console.log(`\nautoEnsemble best or tied on ${wins} of ${table.length} datasets`);
mkdirSync('results', { recursive: true });
writeFileSync('results/quality.json', JSON.stringify({ source: file, methods: METHODS, datasets: table, ensemble_best_or_tied: wins, datasets_count: table.length }, null, 2) + '\n');

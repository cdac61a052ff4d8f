/**
 * Issue 11's budget figures, from a shared-18 result CSV (`npm run bench:shared-18`): how many trials a 60 s
 * search runs, whether every fit keeps its wall-clock budget (all ensemble methods, each re-ensembled with the
 * time a fit with it would have had left), and how often the default pipeline beats the single best member of
 * its own search and default XGBoost on test.
 *
 *   node dist/benchmarks/budget.js [results/shared-18.csv] [--default stacking]
 *
 * `result` is higher-is-better (AUC, negative log loss, negative RMSE); a dataset counts as a win when the mean over
 * folds is strictly higher. Prints a table; writes results/budget.json with `median_trials`, `min_trials`,
 * `max_wall_over_budget` (training wall / budget - 1, max over all fits of every method), `default_beats_single_best`
 * and `default_beats_xgboost` (datasets, of those with both results).
 */
import { writeFileSync } from 'node:fs';
import { DEFAULTS } from '../src/api/options.js';
import { numberCell, readResults } from '../src/bench/results-csv.js';
import { formatTable } from '../src/util/text-table.js';
import { argument } from './args.js';

const file = process.argv[2] !== undefined && !process.argv[2].startsWith('--') ? process.argv[2] : 'results/shared-18.csv';
const rows = readResults(file);
const method = argument('default', DEFAULTS.ensemble);
const search = rows.find((r) => (r['framework'] ?? '').startsWith('AE-'))?.['framework']?.split('-')[1] ?? 'bo';
const framework = (m: string): string => `AE-${search}-${m}`;
const DEFAULT = framework(method);
const tasks = [...new Set(rows.map((r) => r['task']!))];
const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const scoreOf = (task: string, fw: string): number => mean(rows.filter((r) => r['task'] === task && r['framework'] === fw).map((r) => numberCell(r, 'result')));

const fits = rows.filter((r) => r['framework'] === DEFAULT);
const trials = fits.map((r) => numberCell(r, 'trials')).sort((a, b) => a - b);
const budgetOf = (r: Readonly<Record<string, string>>): number => Number(/^(\d+(?:\.\d+)?)s$/.exec(r['constraint'] ?? '')?.[1] ?? NaN);
const overruns = rows.filter((r) => (r['framework'] ?? '').startsWith('AE-')).map((r) => ({ r, over: numberCell(r, 'training_duration') / budgetOf(r) - 1 }));
const worst = overruns.reduce((a, b) => (b.over > a.over ? b : a));

const perTask = tasks.map((task) => {
  const own = scoreOf(task, DEFAULT);
  const single = scoreOf(task, framework('single-best'));
  const xgb = scoreOf(task, 'XGBoost');
  const taskTrials = rows.filter((r) => r['task'] === task && r['framework'] === DEFAULT).map((r) => numberCell(r, 'trials'));
  return { task, default: own, singleBest: single, xgboost: xgb, minTrials: Math.min(...taskTrials), beatsSingleBest: own > single, beatsXgboost: own > xgb };
});
const compared = (k: 'singleBest' | 'xgboost') => perTask.filter((t) => !Number.isNaN(t[k]) && !Number.isNaN(t.default));
const summary = {
  source: file,
  default_method: DEFAULT,
  fits: fits.length,
  median_trials: trials.length === 0 ? NaN : trials[trials.length >> 1]!,
  min_trials: trials[0] ?? NaN,
  max_wall_over_budget: worst.over,
  max_wall_over_budget_at: `${worst.r['task']} fold ${worst.r['fold']} ${worst.r['framework']}`,
  default_beats_single_best: compared('singleBest').filter((t) => t.beatsSingleBest).length,
  default_beats_xgboost: compared('xgboost').filter((t) => t.beatsXgboost).length,
  datasets: perTask.length,
  per_dataset: perTask,
};
const f = (x: number): string => (Number.isNaN(x) ? '—' : x.toFixed(4));
console.log(formatTable(['dataset', DEFAULT, 'single best', 'XGBoost', 'min trials', 'beats single best', 'beats XGBoost'],
  perTask.map((t) => [t.task, f(t.default), f(t.singleBest), f(t.xgboost), String(t.minTrials), t.beatsSingleBest ? 'yes' : 'no', t.beatsXgboost ? 'yes' : 'no'])));
console.log(`\ntrials per fit (${DEFAULT}): median ${summary.median_trials}, min ${summary.min_trials}; wall over budget, worst fit: ${(100 * summary.max_wall_over_budget).toFixed(1)}% (${summary.max_wall_over_budget_at})`);
console.log(`default beats its single best on ${summary.default_beats_single_best} of ${compared('singleBest').length} datasets, default XGBoost on ${summary.default_beats_xgboost} of ${compared('xgboost').length}`);
writeFileSync('results/budget.json', JSON.stringify(summary, null, 2) + '\n');
console.error('wrote results/budget.json');

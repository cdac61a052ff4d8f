/** Report generation from result rows with known outcomes: ranks, tests, normalization, files and plots. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budgetCurves, compareMethods } from '../../src/bench/aggregate.js';
import { buildReport, writeReport } from '../../src/bench/report.js';
import { appendResults, type ResultRow } from '../../src/bench/results-csv.js';
import { chiSquaredSurvival } from '../../src/bench/stats.js';

/**
 * Four tasks (binary auc, multiclass neg_logloss, regression neg_rmse, binary), two folds each. Per task the
 * order is always AE 10s > RandomForest > AE 5s > constant, with AE's second fold failing on 'glass'.
 */
function rows(): ResultRow[] {
  const tasks = [
    { task: 'vote', type: 'binary', metric: 'auc', base: 0.5, step: 0.1 },
    { task: 'glass', type: 'multiclass', metric: 'neg_logloss', base: -1.8, step: 0.3 },
    { task: 'cpu', type: 'regression', metric: 'neg_rmse', base: -90, step: 20 },
    { task: 'sonar', type: 'binary', metric: 'auc', base: 0.5, step: 0.08 },
  ];
  const out: ResultRow[] = [];
  for (const t of tasks) {
    for (const fold of [0, 1]) {
      const row = (framework: string, constraint: string, level: number, extra: ResultRow = {}): ResultRow => ({
        id: `local-${t.task}`,
        task: t.task,
        type: t.type,
        metric: t.metric,
        framework,
        constraint,
        fold,
        result: t.base + level * t.step + fold * t.step * 0.01,
        training_duration: level,
        predict_duration: 0.01,
        trials: constraint === 'none' ? 0 : 10 * level,
        ensemble_size: 1,
        app_version: 'auto-ensemble 0.1.0',
        utc: '2026-11-26T12:00:00',
        ...extra,
      });
      out.push(row('constantpredictor', 'none', 0));
      out.push(row('RandomForest', 'none', 2));
      out.push(row('AE-divbo-ges', '5s', 1));
      if (t.task === 'glass' && fold === 1) {
        out.push(row('AE-divbo-ges', '10s', 0, { info: 'failed: out of time (scored as the constant predictor)' }));
      } else {
        out.push(row('AE-divbo-ges', '10s', 3));
      }
    }
  }
  return out;
}

const asText = (r: ResultRow[]): Record<string, string>[] =>
  r.map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v === undefined ? '' : String(v)])));

test('compareMethods: the largest budget by default, average ranks, Friedman and Wilcoxon on known orders', () => {
  const data = asText(rows()).filter((r) => !(r.task === 'glass' && r.framework === 'AE-divbo-ges' && r.constraint === '10s' && r.fold === '1'));
  const c = compareMethods(data);
  assert.equal(c.budget, 10);
  assert.deepEqual(c.methods.map((m) => `${m.framework}@${m.constraint}`), ['constantpredictor@none', 'RandomForest@none', 'AE-divbo-ges@10s']);
  assert.deepEqual([...c.averageRank], [['constantpredictor', 3], ['RandomForest', 2], ['AE-divbo-ges', 1]]);
  // No ties, n = 4, k = 3: chi2 = 12 / (n k (k + 1)) * (12^2 + 8^2 + 4^2) - 3 n (k + 1) = 8.
  assert.ok(Math.abs(c.friedman!.statistic - 8) < 1e-12);
  assert.ok(Math.abs(c.friedman!.pValue - chiSquaredSurvival(8, 2)) < 1e-15);
  const aeVsRf = c.pairwise.find((p) => p.a === 'RandomForest' && p.b === 'AE-divbo-ges')!;
  assert.deepEqual([aeVsRf.wins, aeVsRf.ties, aeVsRf.losses], [0, 0, 4]);
  assert.equal(aeVsRf.test.pValue, 0.125); // exact: 2 / 2^4
  // Normalized: constant 0, best (AE 10s) 1 on every task; RF sits in between.
  for (const task of c.tasks) {
    const cells = c.cells.get(task.name)!;
    assert.equal(cells.get('constantpredictor')!.normalized, 0);
    assert.equal(cells.get('AE-divbo-ges')!.normalized, 1);
    const rf = cells.get('RandomForest')!.normalized;
    assert.ok(rf > 0.6 && rf < 0.7, `${task.name}: ${rf}`);
  }
  assert.equal(compareMethods(data, { budget: 5 }).averageRank.get('AE-divbo-ges'), 2);
  assert.throws(() => compareMethods(data, { budget: 7 }), /no rows with a 7s budget/);
});

test('budget curves rise with the budget; budget-free methods are flat lines', () => {
  const { curves, flat } = budgetCurves(asText(rows()));
  assert.equal(curves.length, 1);
  const points = curves[0]!.points;
  assert.deepEqual(points.map((p) => p.budget), [5, 10]);
  assert.ok(points[1]!.score > points[0]!.score);
  assert.deepEqual(flat.map((f) => f.label).sort(), ['RandomForest', 'constantpredictor']);
  assert.equal(flat.find((f) => f.label === 'constantpredictor')!.score, 0);
});

test('writeReport writes Markdown, HTML and three SVG plots that name every method', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const csv = join(dir, 'suite-2026-11-26.csv');
    appendResults(csv, rows());
    const written = writeReport(csv);
    assert.equal(written.dir, join(dir, 'suite-2026-11-26-report'));
    for (const name of ['report.md', 'report.html', 'normalized-scores.svg', 'score-vs-budget.svg', 'average-ranks.svg']) {
      assert.ok(existsSync(join(written.dir, name)), name);
    }
    const md = readFileSync(join(written.dir, 'report.md'), 'utf8');
    assert.match(md, /^# Benchmark report: suite-2026-11-26/);
    assert.match(md, /1 failed run\(s\)/);
    assert.match(md, /\| AE-divbo-ges \| 1\.\d\d \|/);
    assert.match(md, /Friedman test over 4 datasets and 3 methods/);
    // Per-dataset table: losses shown as positive values, the failed fold marked.
    assert.match(md, /\| cpu \| rmse \| 89\.9000 ± 0\.1414 \|/);
    assert.match(md, /\| glass \| logloss \|.* †/);
    const html = readFileSync(join(written.dir, 'report.html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 3);
    assert.ok(html.includes('<strong>'));
    for (const name of ['normalized-scores.svg', 'score-vs-budget.svg', 'average-ranks.svg']) {
      const svg = readFileSync(join(written.dir, name), 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /<\/svg>\n$/);
      assert.ok(svg.includes('AE-divbo-ges'), name);
      assert.ok(!/NaN|undefined/.test(svg), `${name} has no NaN coordinates`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('buildReport on a single budget-free method still reports (no tests, no budget plot)', () => {
  const only = asText(rows()).filter((r) => r.framework === 'RandomForest');
  const report = buildReport(only);
  assert.equal(report.comparison.friedman, undefined);
  assert.equal(report.comparison.pairwise.length, 0);
  assert.ok(!report.svgs.has('score-vs-budget.svg'));
  assert.match(report.markdown, /## Per-dataset results/);
});

/**
 * From result rows to what a report shows: per task x method means over folds, normalized scores, average
 * ranks, the Friedman test and pairwise Wilcoxon signed-rank tests.
 *
 * - A "method" is a framework at one constraint. The main comparison takes every budget-free framework and
 *   each budgeted framework at one budget (the largest in the file, or the one asked for).
 * - `result` is higher-is-better for every metric (AMLB convention), so means and ranks need no orientation.
 * - Normalized score per task (AMLB style): 0 = the constant predictor, 1 = the best mean result of any method
 *   on that task, (result - constant) / (best - constant); without a constant predictor, 0 = the worst method.
 *   It makes tasks with different metrics comparable for averaging, plots and the Wilcoxon tests.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { ConfigError } from '../util/errors.js';
import { CONSTANT_FRAMEWORK, NO_BUDGET, constraintSeconds } from './methods.js';
import { FAILED_PREFIX, numberCell } from './results-csv.js';
import { averageRanks, friedmanTest, holmAdjust, wilcoxonSignedRank, type FriedmanResult, type WilcoxonResult } from './stats.js';

export interface Cell {
  readonly folds: number;
  readonly failures: number;
  readonly mean: number;
  readonly std: number;
  readonly normalized: number;
  readonly trainSeconds: number;
  readonly predictSeconds: number;
  readonly trials: number;
  readonly ensembleSize: number;
}

export interface TaskInfo {
  readonly name: string;
  readonly type: string;
  /** AMLB metric name of `result` (auc, neg_logloss, neg_rmse). */
  readonly metric: string;
}

export interface MethodKey {
  readonly framework: string;
  readonly constraint: string;
  /** Display label: the framework, plus the constraint when the file has several for it. */
  readonly label: string;
}

export interface PairwiseTest {
  readonly a: string;
  readonly b: string;
  readonly wins: number;
  readonly ties: number;
  readonly losses: number;
  readonly test: WilcoxonResult;
  readonly holmP: number;
}

export interface Comparison {
  readonly methods: readonly MethodKey[];
  readonly tasks: readonly TaskInfo[];
  /** cells[task][method label]. */
  readonly cells: ReadonlyMap<string, ReadonlyMap<string, Cell>>;
  /** Tasks where every method has a result (the blocks of the rank tests). */
  readonly completeTasks: readonly string[];
  readonly averageRank: ReadonlyMap<string, number>;
  readonly friedman: FriedmanResult | undefined;
  readonly pairwise: readonly PairwiseTest[];
  readonly budget: number | undefined;
}

/** Mean normalized score per budgeted framework and budget, for the score-vs-budget plot. */
export interface BudgetCurve {
  readonly framework: string;
  readonly points: readonly { readonly budget: number; readonly score: number; readonly tasks: number }[];
}

type Row = Readonly<Record<string, string>>;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

const avg = (values: number[]): number => {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? NaN : mean(finite);
};

function cellOf(rows: readonly Row[]): Omit<Cell, 'normalized'> {
  const results = rows.map((r) => numberCell(r, 'result'));
  const finite = results.filter(Number.isFinite);
  return {
    folds: rows.length,
    failures: rows.filter((r) => (r.info ?? '').startsWith(FAILED_PREFIX)).length,
    mean: avg(results),
    std: finite.length > 1 ? sampleStandardDeviation(finite) : 0,
    trainSeconds: avg(rows.map((r) => numberCell(r, 'training_duration'))),
    predictSeconds: avg(rows.map((r) => numberCell(r, 'predict_duration'))),
    trials: avg(rows.map((r) => numberCell(r, 'trials'))),
    ensembleSize: avg(rows.map((r) => numberCell(r, 'ensemble_size'))),
  };
}

/** Per task: the mean result of every framework x constraint present (for normalization and curves). */
function taskMeans(rows: readonly Row[]): Map<string, Map<string, Omit<Cell, 'normalized'>>> {
  const out = new Map<string, Map<string, Omit<Cell, 'normalized'>>>();
  for (const [task, taskRows] of groupBy(rows, (r) => r.task!)) {
    const byMethod = new Map<string, Omit<Cell, 'normalized'>>();
    for (const [key, methodRows] of groupBy(taskRows, (r) => `${r.framework}\u0000${r.constraint}`)) byMethod.set(key, cellOf(methodRows));
    out.set(task, byMethod);
  }
  return out;
}

/** (result - constant) / (best - constant) per task, with the task's reference points over all rows. */
function normalizer(means: ReadonlyMap<string, Omit<Cell, 'normalized'>>): (value: number) => number {
  const all = [...means.values()].map((c) => c.mean).filter(Number.isFinite);
  const best = Math.max(...all);
  const constant = means.get(`${CONSTANT_FRAMEWORK}\u0000${NO_BUDGET}`)?.mean;
  let zero = constant !== undefined && Number.isFinite(constant) && constant < best ? constant : Math.min(...all);
  if (!(zero < best)) zero = best - 1;
  return (value) => (value - zero) / (best - zero);
}

/** Which methods the main comparison shows. */
export function selectMethods(rows: readonly Row[], budget?: number): { methods: MethodKey[]; budget: number | undefined } {
  const budgets = [...new Set(rows.map((r) => constraintSeconds(r.constraint!)).filter((b): b is number => b !== undefined))];
  const chosen = budget ?? (budgets.length > 0 ? Math.max(...budgets) : undefined);
  if (budget !== undefined && !budgets.includes(budget)) {
    throw new ConfigError(`no rows with a ${budget}s budget; budgets in the file: ${budgets.join(', ') || 'none'}`);
  }
  const methods: MethodKey[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.framework}\u0000${r.constraint}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const seconds = constraintSeconds(r.constraint!);
    if (seconds !== undefined && seconds !== chosen) continue;
    methods.push({ framework: r.framework!, constraint: r.constraint!, label: r.framework! });
  }
  // A framework with rows under another non-budget constraint too keeps them apart by label.
  const counts = groupBy(methods, (m) => m.framework);
  const labelled = methods.map((m) => (counts.get(m.framework)!.length > 1 ? { ...m, label: `${m.framework} (${m.constraint})` } : m));
  return { methods: labelled, budget: chosen };
}

/** The full comparison of the chosen methods over the file's tasks. */
export function compareMethods(rows: readonly Row[], options: { budget?: number } = {}): Comparison {
  if (rows.length === 0) throw new ConfigError('the result file has no rows');
  const { methods, budget } = selectMethods(rows, options.budget);
  const means = taskMeans(rows);
  const tasks: TaskInfo[] = [...means.keys()].sort().map((name) => {
    const r = rows.find((x) => x.task === name)!;
    return { name, type: r.type ?? '', metric: r.metric ?? '' };
  });
  const cells = new Map<string, Map<string, Cell>>();
  for (const task of tasks) {
    const byMethod = means.get(task.name)!;
    const norm = normalizer(byMethod);
    const row = new Map<string, Cell>();
    for (const m of methods) {
      const c = byMethod.get(`${m.framework}\u0000${m.constraint}`);
      if (c !== undefined) row.set(m.label, { ...c, normalized: norm(c.mean) });
    }
    cells.set(task.name, row);
  }
  const completeTasks = tasks.map((t) => t.name).filter((t) => methods.every((m) => Number.isFinite(cells.get(t)!.get(m.label)?.mean ?? NaN)));
  const labels = methods.map((m) => m.label);
  const averageRank = ranksOver(completeTasks, labels, cells);
  const scores = completeTasks.flatMap((t) => labels.map((l) => cells.get(t)!.get(l)!.mean));
  const friedman = labels.length >= 2 && completeTasks.length >= 2 ? friedmanTest(scores, completeTasks.length, labels.length, true) : undefined;
  return { methods, tasks, cells, completeTasks, averageRank, friedman, pairwise: pairwiseTests(completeTasks, labels, cells), budget };
}

function ranksOver(tasks: readonly string[], labels: readonly string[], cells: ReadonlyMap<string, ReadonlyMap<string, Cell>>): Map<string, number> {
  const sums = new Float64Array(labels.length);
  for (const t of tasks) {
    const ranks = averageRanks(labels.map((l) => -cells.get(t)!.get(l)!.mean));
    ranks.forEach((r, j) => (sums[j] = sums[j]! + r));
  }
  return new Map(labels.map((l, j) => [l, tasks.length > 0 ? sums[j]! / tasks.length : NaN]));
}

function pairwiseTests(tasks: readonly string[], labels: readonly string[], cells: ReadonlyMap<string, ReadonlyMap<string, Cell>>): PairwiseTest[] {
  if (tasks.length === 0) return [];
  const raw: Omit<PairwiseTest, 'holmP'>[] = [];
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const a = tasks.map((t) => cells.get(t)!.get(labels[i]!)!);
      const b = tasks.map((t) => cells.get(t)!.get(labels[j]!)!);
      let wins = 0;
      let ties = 0;
      a.forEach((c, t) => {
        if (c.mean > b[t]!.mean) wins++;
        else if (c.mean === b[t]!.mean) ties++;
      });
      const test = wilcoxonSignedRank(
        a.map((c) => c.normalized),
        b.map((c) => c.normalized),
      );
      raw.push({ a: labels[i]!, b: labels[j]!, wins, ties, losses: tasks.length - wins - ties, test });
    }
  }
  const holm = holmAdjust(raw.map((p) => p.test.pValue));
  return raw.map((p, i) => ({ ...p, holmP: holm[i]! }));
}

/** Mean normalized score of each budgeted framework at each budget, over the tasks it has at every budget. */
export function budgetCurves(rows: readonly Row[]): { curves: BudgetCurve[]; flat: { label: string; score: number }[] } {
  const means = taskMeans(rows);
  const norms = new Map([...means].map(([task, m]) => [task, normalizer(m)]));
  const byFramework = groupBy(
    rows.filter((r) => constraintSeconds(r.constraint!) !== undefined),
    (r) => r.framework!,
  );
  const curves: BudgetCurve[] = [];
  for (const [framework, fRows] of byFramework) {
    const budgets = [...new Set(fRows.map((r) => constraintSeconds(r.constraint!)!))].sort((a, b) => a - b);
    const tasks = [...means.keys()].filter((t) => budgets.every((b) => means.get(t)!.has(`${framework}\u0000${b}s`)));
    const points = budgets.map((budget) => ({
      budget,
      tasks: tasks.length,
      score: avg(tasks.map((t) => norms.get(t)!(means.get(t)!.get(`${framework}\u0000${budget}s`)!.mean))),
    }));
    curves.push({ framework, points });
  }
  const flat: { label: string; score: number }[] = [];
  for (const [framework, fRows] of groupBy(
    rows.filter((r) => constraintSeconds(r.constraint!) === undefined),
    (r) => r.framework!,
  )) {
    const tasks = [...new Set(fRows.map((r) => r.task!))];
    const constraint = fRows[0]!.constraint!;
    flat.push({ label: framework, score: avg(tasks.map((t) => norms.get(t)!(means.get(t)!.get(`${framework}\u0000${constraint}`)!.mean))) });
  }
  return { curves, flat };
}

/**
 * A dataset's summary: what `auto-ensemble inspect` prints and what a run records about its data.
 */
import type { Column, Dataset, Task } from './dataset.js';
import { formatTable } from '../util/text-table.js';

export interface FeatureSummary {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Missing cells (NaN or code -1). */
  readonly missing: number;
  /** Distinct non-missing values that occur. */
  readonly cardinality: number;
}

export interface ClassCount {
  readonly name: string;
  readonly count: number;
}

export interface TargetStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

export interface DatasetSummary {
  readonly name: string;
  readonly rows: number;
  readonly features: readonly FeatureSummary[];
  readonly target: string;
  readonly task: Task;
  /** Class counts in class order; empty for regression. */
  readonly classes: readonly ClassCount[];
  /** Target statistics for regression; absent for classification. */
  readonly targetStats?: TargetStats;
  /** Missing cells over all features. */
  readonly missing: number;
}

export function summarizeColumn(column: Column): FeatureSummary {
  let missing = 0;
  let cardinality: number;
  if (column.kind === 'numeric') {
    const seen = new Set<number>();
    for (const v of column.values) {
      if (Number.isNaN(v)) missing++;
      else seen.add(v);
    }
    cardinality = seen.size;
  } else {
    const seen = new Uint8Array(column.categories.length);
    cardinality = 0;
    for (const c of column.codes) {
      if (c < 0) missing++;
      else if (seen[c] === 0) {
        seen[c] = 1;
        cardinality++;
      }
    }
  }
  return { name: column.name, kind: column.kind, missing, cardinality };
}

export function summarizeDataset(dataset: Dataset): DatasetSummary {
  const features = dataset.features.map(summarizeColumn);
  const target = dataset.target;
  let classes: ClassCount[] = [];
  let targetStats: TargetStats | undefined;
  if (target.kind === 'classes') {
    const counts = new Array<number>(target.classes.length).fill(0);
    for (const c of target.codes) counts[c]!++;
    classes = target.classes.map((name, k) => ({ name, count: counts[k]! }));
  } else {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of target.values) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    const mean = sum / target.values.length;
    let ss = 0;
    for (const v of target.values) ss += (v - mean) * (v - mean);
    targetStats = { min, max, mean, std: Math.sqrt(ss / target.values.length) };
  }
  return {
    name: dataset.name,
    rows: dataset.nRows,
    features,
    target: target.name,
    task: dataset.task,
    classes,
    ...(targetStats !== undefined ? { targetStats } : {}),
    missing: features.reduce((s, f) => s + f.missing, 0),
  };
}

/** A plain-text table of the summary, for terminals. */
export function formatSummary(summary: DatasetSummary): string {
  const lines: string[] = [];
  const nCat = summary.features.filter((f) => f.kind === 'categorical').length;
  lines.push(`dataset   ${summary.name}`);
  lines.push(`rows      ${summary.rows}`);
  lines.push(
    `features  ${summary.features.length} (${summary.features.length - nCat} numeric, ${nCat} categorical), ` +
      `${summary.missing} missing cells`,
  );
  lines.push(`target    ${summary.target} (${summary.task})`);
  if (summary.classes.length > 0) {
    lines.push('', 'classes');
    lines.push(...table(['class', 'count', 'share'], summary.classes.map((c) => [c.name, String(c.count), pct(c.count, summary.rows)])));
  } else if (summary.targetStats !== undefined) {
    const s = summary.targetStats;
    lines.push(`          min ${fmt(s.min)}, max ${fmt(s.max)}, mean ${fmt(s.mean)}, std ${fmt(s.std)}`);
  }
  lines.push('', 'features');
  lines.push(
    ...table(
      ['name', 'kind', 'missing', 'distinct'],
      summary.features.map((f) => [f.name, f.kind, String(f.missing), String(f.cardinality)]),
    ),
  );
  return lines.join('\n');
}

function pct(count: number, total: number): string {
  return `${((100 * count) / total).toFixed(1)}%`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return formatTable(header, rows).split('\n');
}

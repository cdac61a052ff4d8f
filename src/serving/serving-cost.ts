/**
 * What a fitted ensemble costs to serve: prediction latency for one row and for a batch, measured the way a
 * caller pays it (row objects in, schema checks and encoding included, predictions out).
 */
import { performance } from 'node:perf_hooks';
import type { FeatureTable } from '../data/dataset.js';
import type { EnsembleModel } from './ensemble-model.js';

export interface ServingCost {
  /** Median milliseconds to predict one row. */
  readonly singleRowMs: number;
  /** Median milliseconds to predict `batchRows` rows in one call. */
  readonly batchMs: number;
  readonly batchRows: number;
  /** Rows per second in batches (batchRows / batchMs). */
  readonly rowsPerSecond: number;
}

export interface ServingCostOptions {
  /** Rows in the batch measurement (default 1000). */
  readonly batchRows?: number;
  /** Timed single-row predictions (default 15), after one untimed warm-up call. */
  readonly singleRepetitions?: number;
  /** Timed batch predictions (default 3), after one untimed warm-up call. Each measurement stops repeating
   * after about 2 s in total (keeping at least one timed call), so a slow model does not stall `fit`'s summary. */
  readonly batchRepetitions?: number;
  /** Milliseconds the whole measurement may take (default 4000: about 2 s each for single rows and batches). */
  readonly timeLimitMs?: number;
}

/**
 * Median latency of `model` on rows taken from `sample` (cycled when it has fewer rows than a batch). Each
 * measurement is preceded by a warm-up call so lazy initialisation (JIT, backend start-up) is not counted.
 */
export function measureServingCost(model: EnsembleModel, sample: FeatureTable, options: ServingCostOptions = {}): ServingCost {
  if (sample.nRows === 0) throw new Error('measureServingCost needs at least one sample row');
  const batchRows = options.batchRows ?? 1000;
  const rows = tableToRows(sample, batchRows);
  const single = rows.slice(0, 1);
  const capMs = (options.timeLimitMs ?? 4000) / 2;
  const singleMs = timeMedian(() => model.predictMatrix(single), options.singleRepetitions ?? 15, capMs);
  const batchMs = timeMedian(() => model.predictMatrix(rows), options.batchRepetitions ?? 3, capMs);
  return { singleRowMs: singleMs, batchMs, batchRows, rowsPerSecond: batchMs > 0 ? (batchRows * 1000) / batchMs : Infinity };
}

/** `count` rows of `table` as `{ feature: value }` objects (numbers, category names, null for missing), cycling. */
export function tableToRows(table: FeatureTable, count: number = table.nRows): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let r = 0; r < count; r++) {
    const i = r % table.nRows;
    const row: Record<string, unknown> = {};
    for (const column of table.features) {
      if (column.kind === 'numeric') {
        const v = column.values[i]!;
        row[column.name] = Number.isNaN(v) ? null : v;
      } else {
        const code = column.codes[i]!;
        row[column.name] = code < 0 ? null : column.categories[code]!;
      }
    }
    out.push(row);
  }
  return out;
}

/** Median of `repetitions` timed calls after one warm-up; stops early (keeping at least one) past `capMs` in total. */
function timeMedian(fn: () => unknown, repetitions: number, capMs = 2000): number {
  const start = performance.now();
  fn();
  const times: number[] = [];
  while (times.length < Math.max(1, repetitions) && (times.length === 0 || performance.now() - start < capMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}

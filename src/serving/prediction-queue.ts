/**
 * Predicting large batches without blocking the event loop.
 *
 * A request of at most one slice's rows is predicted at once (single rows pay no scheduling hop). Larger ones are
 * cut into slices of rows that each take about `sliceMs`, and the slices of all waiting requests run one per
 * event-loop turn, round robin: between two slices the loop answers other requests (`/health`, single rows), so a
 * 10,000-row request delays them by one slice, not by the whole prediction. The rows per slice follow the measured
 * cost per row (an exponential average), so the slice time holds for small and large models alike.
 * Predictions are per row, so slicing gives the same numbers, bit for bit, as one call on the whole batch.
 */
import { performance } from 'node:perf_hooks';
import type { FeatureTable } from '../data/dataset.js';

export interface PredictionQueueOptions {
  /** Target milliseconds of one slice (default 8). */
  readonly sliceMs?: number;
  /** Rows in the first slices, before any cost is measured (default 128). */
  readonly initialSliceRows?: number;
  /** Clock, injectable for tests (default performance.now). */
  readonly now?: () => number;
  /** Runs `task` on a later event-loop turn (default setImmediate). */
  readonly defer?: (task: () => void) => void;
}

interface Job {
  readonly table: FeatureTable;
  readonly out: Float64Array;
  next: number;
  readonly resolve: (p: Float64Array) => void;
  readonly reject: (error: unknown) => void;
}

export class PredictionQueue {
  private readonly sliceMs: number;
  private readonly now: () => number;
  private readonly defer: (task: () => void) => void;
  private readonly jobs: Job[] = [];
  private scheduled = false;
  /** Estimated milliseconds per row (NaN until measured). */
  private msPerRow = NaN;
  private readonly initialSliceRows: number;

  constructor(
    private readonly predict: (table: FeatureTable) => Float64Array,
    private readonly width: number,
    options: PredictionQueueOptions = {},
  ) {
    this.sliceMs = options.sliceMs ?? 8;
    this.initialSliceRows = options.initialSliceRows ?? 128;
    this.now = options.now ?? (() => performance.now());
    this.defer = options.defer ?? ((task) => void setImmediate(task));
  }

  /** Rows one slice holds now. */
  get sliceRows(): number {
    if (Number.isNaN(this.msPerRow)) return this.initialSliceRows;
    return Math.max(1, Math.min(65_536, Math.floor(this.sliceMs / Math.max(this.msPerRow, 1e-6))));
  }

  /** Requests with slices still to run. */
  get pending(): number {
    return this.jobs.length;
  }

  /** Row-major predictions for every row of `table`: at once when it fits one slice, else slice by slice. */
  run(table: FeatureTable): Promise<Float64Array> {
    if (table.nRows <= this.sliceRows) {
      try {
        return Promise.resolve(this.timed(table));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => {
      this.jobs.push({ table, out: new Float64Array(table.nRows * this.width), next: 0, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      this.step();
      this.schedule();
    });
  }

  /** One slice of the job at the head of the queue, which then goes to the back if it has rows left. */
  private step(): void {
    const job = this.jobs.shift();
    if (job === undefined) return;
    const start = job.next;
    const end = Math.min(job.table.nRows, start + this.sliceRows);
    try {
      job.out.set(this.timed(sliceRows(job.table, start, end)), start * this.width);
    } catch (error) {
      job.reject(error);
      return;
    }
    job.next = end;
    if (end === job.table.nRows) job.resolve(job.out);
    else this.jobs.push(job);
  }

  private timed(table: FeatureTable): Float64Array {
    const t0 = this.now();
    const p = this.predict(table);
    if (table.nRows >= 8) {
      const perRow = (this.now() - t0) / table.nRows;
      this.msPerRow = Number.isNaN(this.msPerRow) ? perRow : 0.7 * this.msPerRow + 0.3 * perRow;
    }
    return p;
  }
}

/** Rows [start, end) of a table, as views (no copy). */
export function sliceRows(table: FeatureTable, start: number, end: number): FeatureTable {
  return {
    nRows: end - start,
    features: table.features.map((c) =>
      c.kind === 'numeric' ? { ...c, values: c.values.subarray(start, end) } : { ...c, codes: c.codes.subarray(start, end) },
    ),
  };
}

/** Progress lines of a benchmark run, with an estimate of the time left (a search takes about its budget). */
import { FAILED_PREFIX, type ResultRow } from './results-csv.js';

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The mix of jobs per task and fold, for the estimate. */
export interface JobMix {
  readonly searchJobs: number;
  readonly baselineJobs: number;
  readonly meanBudget: number;
}

export type JobLabel = { readonly search: string; readonly budget: number } | { readonly baseline: string };

export class Progress {
  done = 0;
  private readonly started = performance.now();
  private baselineSeconds = 0;
  private baselines = 0;
  /** Wall time of a search job over its budget, smoothed (searches overrun a little: loading, ensembles). */
  private overrun = 1.2;

  constructor(
    private readonly total: number,
    private readonly mix: JobMix,
    private readonly log: (line: string) => void,
  ) {}

  report(task: string, fold: number, job: JobLabel, rows: readonly ResultRow[], seconds: number): void {
    this.done++;
    if ('search' in job) this.overrun = 0.7 * this.overrun + 0.3 * (seconds / job.budget);
    else {
      this.baselineSeconds += seconds;
      this.baselines++;
    }
    const what = 'search' in job ? `AE-${job.search} ${job.budget}s` : job.baseline;
    const scores = rows
      .map((r) => {
        const name = 'search' in job ? String(r.framework).replace(`AE-${job.search}-`, '') + ' ' : '';
        const failed = String(r.info ?? '').startsWith(FAILED_PREFIX) ? ' FAILED' : '';
        return `${name}${Number(r.result).toFixed(4)}${failed}`;
      })
      .join(', ');
    const trials = 'search' in job && rows[0]?.trials !== undefined ? `, ${rows[0].trials} trials` : '';
    const elapsed = (performance.now() - this.started) / 1000;
    this.log(
      `[${this.done}/${this.total}] ${task} fold ${fold} ${what}: ${rows[0]?.metric ?? ''} ${scores}${trials} ` +
        `(${formatDuration(seconds)}; elapsed ${formatDuration(elapsed)}, left ~${formatDuration(this.estimateLeft())})`,
    );
  }

  private estimateLeft(): number {
    const left = this.total - this.done;
    const { searchJobs, baselineJobs, meanBudget } = this.mix;
    const perFold = searchJobs + baselineJobs;
    if (left <= 0 || perFold === 0) return 0;
    const baselineMean = this.baselines > 0 ? this.baselineSeconds / this.baselines : 1;
    return (left * (searchJobs * meanBudget * this.overrun + baselineJobs * baselineMean)) / perFold;
  }
}

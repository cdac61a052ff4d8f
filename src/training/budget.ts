/**
 * The run's clock: when training must stop (the time budget minus the reserve kept for ensemble building) and
 * whether a trial is still likely to fit, from the durations of finished trials.
 */
export class RunClock {
  /** ms since epoch when training stops: no trial runs past it. Infinity without a time budget. */
  readonly trainingDeadline: number;
  /** ms since epoch when the whole run (ensemble step included) should be over. */
  readonly runDeadline: number;
  private readonly durations = new Map<string, number[]>();
  private readonly all: number[] = [];

  constructor(start: number, timeBudgetSeconds: number | undefined, reserveSeconds: number) {
    this.runDeadline = timeBudgetSeconds === undefined ? Infinity : start + timeBudgetSeconds * 1000;
    this.trainingDeadline = this.runDeadline - reserveSeconds * 1000;
  }

  /** Seconds left for training (Infinity without a budget). */
  secondsLeft(now: number = Date.now()): number {
    return Math.max(0, (this.trainingDeadline - now) / 1000);
  }

  expired(now: number = Date.now()): boolean {
    return now >= this.trainingDeadline;
  }

  /** Record how long (seconds, wall) a finished trial of `family` took. */
  record(family: string, seconds: number): void {
    const list = this.durations.get(family) ?? [];
    list.push(seconds);
    this.durations.set(family, list);
    this.all.push(seconds);
  }

  /** Expected seconds for a trial of `family`: median of its past trials, else of all trials, else 0. */
  estimate(family?: string): number {
    const own = family === undefined ? undefined : this.durations.get(family);
    return median(own !== undefined && own.length > 0 ? own : this.all);
  }

  /** True when a trial expected to take `seconds` can still finish before the training deadline. */
  fits(seconds: number, now: number = Date.now()): boolean {
    return now + seconds * 1000 <= this.trainingDeadline;
  }
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Default reserve for the ensemble step: 10% of the budget, at least 1 s, at most 60 s and half the budget. */
export function defaultReserveSeconds(timeBudgetSeconds: number | undefined): number {
  if (timeBudgetSeconds === undefined) return 0;
  return Math.min(60, 0.5 * timeBudgetSeconds, Math.max(1, 0.1 * timeBudgetSeconds));
}

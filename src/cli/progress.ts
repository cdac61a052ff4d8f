/**
 * The live progress display of `fit`, fed by the run's ProgressEvents.
 *
 * On a terminal it redraws one status line in place (bar, trials done / failed / running, best score, time left),
 * refreshed every second so the clock keeps moving between events. Elsewhere (a pipe, a CI log) it writes plain
 * lines, at most one per interval and only when something changed, so logs stay short. Failed trials are noted
 * on their own line (the first few), since a failure is worth knowing about while the search goes on.
 */
import type { BestSoFar, ProgressEvent, RunSummary } from '../training/types.js';
import { formatDuration, formatScore } from './format.js';

export interface ProgressOptions {
  /** Where the display writes (stderr). */
  readonly write: (text: string) => void;
  /** Redraw in place (a terminal) or write plain lines. */
  readonly tty: boolean;
  /** Terminal width in columns (TTY only; default 80). */
  readonly columns?: number;
  readonly metric: string;
  /** What is being fitted, appended to the "run N started" line. */
  readonly description?: string;
  readonly maxTrials?: number;
  /** Search time budget in seconds, for the bar when there is no trial limit. */
  readonly timeBudget?: number;
  /** Milliseconds between refreshes (default 1000 on a TTY, 5000 otherwise). */
  readonly intervalMs?: number;
  /** Failed trials reported on their own line before the rest are only counted (default 5). */
  readonly maxFailureNotes?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

const BAR_WIDTH = 24;

export class ProgressDisplay {
  private readonly options: ProgressOptions;
  private readonly now: () => number;
  private readonly started: number;
  private runId: number | undefined;
  private done = 0;
  private pruned = 0;
  private failed = 0;
  private running = 0;
  private best: BestSoFar | null = null;
  /** ms since epoch when the budget runs out (Infinity without one). */
  private deadline = Infinity;
  private failureNotes = 0;
  private stopping = false;
  private drawn = '';
  private lastPlain = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(options: ProgressOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.started = this.now();
    const interval = options.intervalMs ?? (options.tty ? 1000 : 5000);
    this.timer = setInterval(() => this.refresh(), interval);
    this.timer.unref();
  }

  /** Feed one event of the run. */
  handle(event: ProgressEvent): void {
    switch (event.type) {
      case 'run-started':
        this.runId = event.runId;
        this.setTimeLeft(event.timeLeft);
        this.note(`run ${event.runId} ${event.resumed ? 'resumed' : 'started'}${this.options.description === undefined ? '' : `: ${this.options.description}`}`);
        return;
      case 'trial-started':
        this.running++;
        this.setTimeLeft(event.timeLeft);
        break;
      case 'trial-finished':
        this.running = Math.max(0, this.running - 1);
        if (event.status === 'done') this.done++;
        else if (event.status === 'pruned') this.pruned++;
        else {
          this.failed++;
          // Trials cut off by the end of the budget or by Ctrl-C are expected: counted, not reported.
          const cutOff = event.status === 'timeout' && (this.stopping || event.timeLeft <= 1);
          if (!cutOff) this.noteFailure(event.trial, event.family, event.status, event.error);
        }
        this.best = event.best;
        this.setTimeLeft(event.timeLeft);
        break;
      case 'run-finished':
        this.finish(event.summary);
        return;
      case 'warning':
        this.note(`warning: ${event.message}`);
        return;
    }
    if (this.options.tty) this.redraw();
  }

  /** Ctrl-C was pressed: the status says so until the run ends. */
  markStopping(): void {
    this.stopping = true;
    this.note('stopping: no new trials; building the ensemble from the trials so far (Ctrl-C again to quit now)');
  }

  /** A message on its own line (above the status line on a terminal). */
  note(text: string): void {
    this.clearLine();
    this.options.write(text + '\n');
    if (this.options.tty && this.timer !== undefined) this.redraw();
  }

  /** Stop refreshing and clear the status line (idempotent). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clearLine();
  }

  /**
   * The status text, without terminal control characters. Narrower than `width`, it drops the bar graphic, then
   * the running count, then cuts the end: the score and the time left matter more than the decoration.
   */
  status(width = Infinity): string {
    const fraction = this.fraction();
    const percent = fraction === undefined ? undefined : `${String(Math.floor(fraction * 100)).padStart(3)}%`;
    const done = `${this.done}${this.options.maxTrials === undefined ? '' : `/${this.options.maxTrials}`}`;
    const best = this.best === null ? `best ${this.options.metric} -` : `best ${this.options.metric} ${formatScore(this.best.validationScore)} (${this.best.family})`;
    let time: string;
    if (this.stopping) time = 'stopping';
    else if (Number.isFinite(this.deadline)) time = `${formatDuration((this.deadline - this.now()) / 1000)} left`;
    else time = `${formatDuration((this.now() - this.started) / 1000)} elapsed`;
    const pruned = this.pruned > 0 ? `, ${this.pruned} pruned` : '';
    const variants = [
      [fraction === undefined ? undefined : `${bar(fraction)} ${percent}`, `${done} trials done${pruned}, ${this.failed} failed, ${this.running} running`, best, time],
      [percent, `${done} trials done${pruned}, ${this.failed} failed, ${this.running} running`, best, time],
      [percent, `${done} done, ${this.failed} failed`, best, time],
    ].map((parts) => parts.filter((p) => p !== undefined).join('  '));
    return variants.find((v) => v.length <= width) ?? variants[variants.length - 1]!.slice(0, width);
  }

  private finish(summary: RunSummary): void {
    this.stop();
    this.options.write(`search finished: ${formatRunOutcome(summary)}\n`);
  }

  private setTimeLeft(seconds: number): void {
    this.deadline = Number.isFinite(seconds) ? this.now() + seconds * 1000 : Infinity;
  }

  /** Share of the budget used: trials against the trial limit, time against the time budget, whichever is further. */
  private fraction(): number | undefined {
    const shares: number[] = [];
    if (this.options.maxTrials !== undefined) shares.push((this.done + this.pruned + this.failed) / this.options.maxTrials);
    if (Number.isFinite(this.deadline) && this.options.timeBudget !== undefined) {
      shares.push(1 - (this.deadline - this.now()) / 1000 / this.options.timeBudget);
    }
    if (shares.length === 0) return undefined;
    return Math.min(1, Math.max(0, ...shares));
  }

  private noteFailure(trial: number, family: string, status: string, error: string | undefined): void {
    const limit = this.options.maxFailureNotes ?? 5;
    if (this.failureNotes >= limit) return;
    this.failureNotes++;
    const why = (error ?? status).split('\n')[0]!;
    this.note(`trial ${trial} (${family}) ${status === 'timeout' ? 'timed out' : 'failed'}: ${why}`);
    if (this.failureNotes === limit) this.note('further failed trials are only counted (`leaderboard` and the store keep their errors)');
  }

  private refresh(): void {
    if (this.runId === undefined) return;
    if (this.options.tty) {
      this.redraw();
      return;
    }
    // Plain lines: the time left changes every second, so compare the rest to decide whether to write.
    const line = this.status();
    const key = line.replace(/\S+ (left|elapsed)$/, '');
    if (key === this.lastPlain) return;
    this.lastPlain = key;
    this.options.write(line + '\n');
  }

  private redraw(): void {
    if (!this.options.tty) return;
    const columns = this.options.columns !== undefined && this.options.columns > 0 ? this.options.columns : 80; // 0: size unknown
    const width = Math.max(20, columns - 1);
    const line = this.status(width);
    this.options.write(`\r${line}\x1b[K`);
    this.drawn = line;
  }

  private clearLine(): void {
    if (this.options.tty && this.drawn !== '') this.options.write('\r\x1b[K');
    this.drawn = '';
  }
}

function bar(fraction: number): string {
  const filled = Math.round(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

/**
 * `N trials done, F failed[, T timed out] in 1m01s (stopped by time-budget)`. Timed-out trials (per-trial limit, or
 * still running when the budget ran out) are told apart from trials that failed with an error.
 */
export function formatRunOutcome(summary: RunSummary): string {
  const t = summary.trials;
  const pruned = t.pruned > 0 ? `, ${t.pruned} pruned` : '';
  const timedOut = t.timeout > 0 ? `, ${t.timeout} timed out` : '';
  return `${t.done} trials done${pruned}, ${t.failed} failed${timedOut} in ${formatDuration(summary.elapsedSeconds)} (${stopText(summary)})`;
}

/** Why the run stopped starting trials, in words, with the time that was left where it matters. */
export function stopText(summary: RunSummary): string {
  const left = Number.isFinite(summary.secondsLeft) ? formatDuration(summary.secondsLeft) : undefined;
  switch (summary.stoppedBy) {
    case 'time-budget':
      return 'stopped at the end of the training time';
    case 'nothing-fits':
      return `stopped with ${left ?? 'time'} of training time left: no configuration was predicted to fit in it`;
    case 'max-trials':
      return 'stopped at the trial limit';
    case 'exhausted':
      return 'stopped: the search space has nothing left to try';
    case 'cancelled':
      return `stopped by request${left === undefined ? '' : ` with ${left} left`}`;
  }
}

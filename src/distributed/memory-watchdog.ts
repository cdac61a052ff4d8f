/**
 * A worker process's memory limit on resident memory (RSS): what the machine really gives, WASM memory, native
 * buffers and the threads' own baseline included, which neither V8's heap limits nor a thread's own accounting
 * (training/memory-guard.ts) see. Sampled every `everyMs` (default 25 ms: reading RSS costs microseconds); when
 * the process is over its limit, the newest running trial is stopped (its thread is terminated, which frees its
 * memory), then the watchdog waits `settleMs` for the memory to come back before it stops another.
 *
 * Why the newest: threads share one process, so no trial's share of it can be measured; the newest trial has
 * the least work to lose, and with one trial per worker (the default for large data) the choice is exact.
 * Between two samples a fast allocation can overshoot the limit; set it with that margin below the machine's.
 */
export interface MemoryWatchdogOptions {
  readonly limitMb: number;
  /** Bytes of resident memory now (default: the process's RSS). */
  readonly sample?: () => number;
  readonly everyMs?: number;
  readonly settleMs?: number;
  /** Called with the resident memory (MB) when over the limit; returns whether it stopped a trial. */
  readonly onExceeded: (residentMb: number) => boolean;
}

export class MemoryWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private quietUntil = -Infinity;
  /** Highest resident memory seen, MB. */
  peakMb = 0;
  lastMb = 0;

  constructor(private readonly options: MemoryWatchdogOptions) {}

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.options.everyMs ?? 25);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample at time `now` (ms): acts when over the limit and not settling after a stop. */
  check(now: number = Date.now()): void {
    const bytes = (this.options.sample ?? (() => process.memoryUsage.rss()))();
    const mb = bytes / 2 ** 20;
    this.lastMb = mb;
    this.peakMb = Math.max(this.peakMb, mb);
    if (mb <= this.options.limitMb || now < this.quietUntil) return;
    if (this.options.onExceeded(mb)) this.quietUntil = now + (this.options.settleMs ?? 1000);
  }
}
